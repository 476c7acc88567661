using Takedown.Ingest;
using Takedown.Ingest.Reports;
using Takedown.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddTakedownDefaults("ingest");   // telemetry, health, auth, problem details, PostgreSQL
builder.AddIngest();                     // this service's event store and bus

var app = builder.Build();
app.MapTakedownDefaults();               // /health/live, /health/ready, /openapi, key management
app.MapReports();                        // POST /api/v1/reports
app.MapReportImport();                   // POST /api/v1/reports:import: CSV or JSON lines, streamed, per-row errors
app.MapEvidence();                       // GET /api/v1/evidence/{sha256}: reported media, for analysts and fingerprinting
app.Run();

public partial class Program;
