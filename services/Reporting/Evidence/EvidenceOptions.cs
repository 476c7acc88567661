using Microsoft.Extensions.Options;
using Takedown.EventStore.Evidence;

namespace Takedown.Reporting.Evidence;

/// <summary>The "Evidence" section: the deployment's signing key and the scheduled export of stream heads.</summary>
public sealed class EvidenceOptions
{
    public const string Section = "Evidence";

    /// <summary>ECDSA P-256 private key: PEM, or the base64 of its PKCS#8 DER (one line, for an environment file).</summary>
    public string? SigningKey { get; set; }

    /// <summary>A file holding the key, PEM or base64 PKCS#8 DER; instead of <see cref="SigningKey"/>.</summary>
    public string? SigningKeyFile { get; set; }

    /// <summary>Where signed stream-head exports are written; none are written when unset, or while no key is configured.</summary>
    public string? HeadsExportDirectory { get; set; }

    public TimeSpan HeadsExportInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The configured key; null when none is. Throws <see cref="FormatException"/> or <see cref="IOException"/> for a bad one.</summary>
    public EvidenceSigningKey? LoadKey()
    {
        if (!string.IsNullOrWhiteSpace(SigningKey) && !string.IsNullOrWhiteSpace(SigningKeyFile))
            throw new FormatException("set Evidence:SigningKey or Evidence:SigningKeyFile, not both");
        if (!string.IsNullOrWhiteSpace(SigningKey))
            return Parse(SigningKey, "Evidence:SigningKey");
        if (!string.IsNullOrWhiteSpace(SigningKeyFile))
            return Parse(File.ReadAllText(SigningKeyFile), $"Evidence:SigningKeyFile ({SigningKeyFile})");
        return null;
    }

    private static EvidenceSigningKey Parse(string text, string setting)
    {
        try
        {
            return EvidenceSigningKey.Parse(text);
        }
        catch (FormatException e)
        {
            throw new FormatException($"{setting} is {e.Message}");
        }
    }

    internal sealed class Validator : IValidateOptions<EvidenceOptions>
    {
        public ValidateOptionsResult Validate(string? name, EvidenceOptions options)
        {
            try
            {
                using var key = options.LoadKey();
                if (options.HeadsExportInterval < TimeSpan.FromSeconds(1))
                    return ValidateOptionsResult.Fail("Evidence:HeadsExportInterval must be at least one second.");
                return ValidateOptionsResult.Success;
            }
            catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
            {
                return ValidateOptionsResult.Fail(e.Message);
            }
        }
    }
}

/// <summary>The deployment's signing key, loaded once; null when none is configured (evidence endpoints answer 503).</summary>
public sealed class EvidenceSigner(IOptions<EvidenceOptions> options) : IDisposable
{
    public const string NotConfigured =
        "No signing key is configured: set Evidence__SigningKey (an ECDSA P-256 private key, PEM or base64 PKCS#8) or Evidence__SigningKeyFile.";

    private readonly Lazy<EvidenceSigningKey?> _key = new(options.Value.LoadKey);

    public EvidenceSigningKey? Key => _key.Value;

    public void Dispose()
    {
        if (_key.IsValueCreated)
            _key.Value?.Dispose();
    }
}
