using Takedown.ReuploadDetection;
using Takedown.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddTakedownDefaults("reupload");  // telemetry, health, auth, problem details, PostgreSQL
builder.AddReuploadDetection();           // fingerprint and bank streams, their consumers

var app = builder.Build();
app.MapTakedownDefaults();                // /health/live, /health/ready, /openapi, key management
app.Run();

public partial class Program;
