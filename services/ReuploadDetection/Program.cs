using Takedown.ReuploadDetection;
using Takedown.ReuploadDetection.Banks;
using Takedown.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddTakedownDefaults("reupload");  // telemetry, health, auth, problem details, PostgreSQL
builder.AddReuploadDetection();           // fingerprint and bank streams, the bank matcher, their consumers

var app = builder.Build();
app.MapTakedownDefaults();                // /health/live, /health/ready, /openapi, key management
app.MapBanks();                           // hash list import, removal, bank summaries
app.MapMatching();                        // look hashes, text or a URL up in every bank
app.Run();

public partial class Program;
