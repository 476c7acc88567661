using Takedown.Reporting;
using Takedown.Reporting.Accounts;
using Takedown.Reporting.Cases;
using Takedown.Reporting.Evidence;
using Takedown.Reporting.Search;
using Takedown.Reporting.Search.Elasticsearch;
using Takedown.Reporting.Statistics;
using Takedown.Reporting.Transparency;
using Takedown.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddTakedownDefaults("reporting");  // telemetry, health, auth, problem details, PostgreSQL
builder.AddReporting();                    // case stream, consumers of every pipeline message
builder.AddSearch();                       // the analysts' search: PostgreSQL full text, or Elasticsearch when configured
builder.AddEvidence();                     // signing key, media from Ingest, scheduled signed stream-head exports

var app = builder.Build();
app.MapTakedownDefaults();                 // /health/live, /health/ready, /openapi, key management
app.MapCases();                            // GET a case, POST the platform's response
app.MapCaseList();                         // GET /api/v1/cases with filters and paging
app.MapAccounts();                         // GET /api/v1/accounts[/{id}], POST …/{id}/notices, …/{id}/outcome
app.MapCaseAudit();                        // GET /api/v1/cases/{id}/audit: the hash chain recomputed
app.MapEvidence();                         // GET /api/v1/cases/{id}/evidence-bundle, GET /api/v1/admin/audit/heads
app.MapPlatformStatistics();               // GET /api/v1/statistics/platforms
app.MapSearch();                           // GET /api/v1/search, POST /api/v1/search/similar
app.MapTransparencyReport();               // GET /api/v1/reports/transparency: JSON, CSV, HTML, DSA statements of reasons
app.MapElasticsearchAdministration();      // GET /api/v1/admin/search, POST …/reindex: only with Elasticsearch configured
app.Run();

public partial class Program;
