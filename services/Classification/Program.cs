using Takedown.Classification;
using Takedown.Classification.Classify;
using Takedown.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddTakedownDefaults("classification");  // telemetry, health, auth, problem details, PostgreSQL
builder.AddClassification();                    // classification stream, ContentSubmitted consumer

var app = builder.Build();
app.MapTakedownDefaults();                      // /health/live, /health/ready, /openapi, key management
app.MapClassifications();                       // GET the latest classification of a content item
app.Run();

public partial class Program;
