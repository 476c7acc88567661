using Takedown.Reporting;
using Takedown.Reporting.Cases;
using Takedown.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddTakedownDefaults("reporting");  // telemetry, health, auth, problem details, PostgreSQL
builder.AddReporting();                    // case stream, consumers of every pipeline message

var app = builder.Build();
app.MapTakedownDefaults();                 // /health/live, /health/ready, /openapi, key management
app.MapCases();                            // GET a case, POST the platform's response
app.Run();

public partial class Program;
