using Microsoft.Extensions.Options;
using Takedown.ServiceDefaults.Evidence;

namespace Takedown.Reporting.Evidence;

public static class EvidenceModule
{
    /// <summary>
    /// The "Evidence" options (validated at start-up: a configured key that does not load stops the service), the
    /// signing key, Ingest's evidence client for the reported media, and the scheduled stream-head export.
    /// </summary>
    public static WebApplicationBuilder AddEvidence(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<EvidenceOptions>().Bind(builder.Configuration.GetSection(EvidenceOptions.Section)).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<EvidenceOptions>, EvidenceOptions.Validator>();
        builder.Services.AddSingleton<EvidenceSigner>();
        builder.AddIngestEvidenceClient();
        builder.Services.AddHostedService<StreamHeadsExporter>();
        return builder;
    }
}
