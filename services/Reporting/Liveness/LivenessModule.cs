using Takedown.Fingerprints.Urls;
using Microsoft.Extensions.Options;

namespace Takedown.Reporting.Liveness;

public static class LivenessModule
{
    /// <summary>The "Liveness" options, validated at start-up, the probe, the case actions and the monitor (idle unless Liveness:Enabled).</summary>
    public static WebApplicationBuilder AddLiveness(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<LivenessOptions>().Bind(builder.Configuration.GetSection(LivenessOptions.Section)).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<LivenessOptions>, LivenessOptionsValidator>();
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IOptions<LivenessOptions>>().Value);
        builder.Services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<LivenessOptions>();
            return new LivenessProbe(options, AddressPolicy.Create(options.AllowList), UnavailablePages.BuiltInWith(options.UnavailablePages));
        });
        builder.Services.AddSingleton<ILivenessActions, CaseLivenessActions>();
        builder.Services.AddSingleton<LivenessMonitor>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LivenessMonitor>());
        return builder;
    }

    private sealed class LivenessOptionsValidator : IValidateOptions<LivenessOptions>
    {
        public ValidateOptionsResult Validate(string? name, LivenessOptions options)
        {
            var errors = options.Validate().ToList();
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }
}
