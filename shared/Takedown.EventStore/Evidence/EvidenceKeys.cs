using System.Security.Cryptography;

namespace Takedown.EventStore.Evidence;

/// <summary>
/// The deployment's signing key for evidence bundles and stream-head exports: ECDSA on P-256 with SHA-256, from .NET's
/// own cryptography (it has no Ed25519). Signatures are DER (RFC 3279), the form <c>openssl dgst -sha256 -verify</c>
/// reads, so a third party can check one without our tools.
/// </summary>
public sealed class EvidenceSigningKey : IDisposable
{
    private readonly ECDsa _key;

    private EvidenceSigningKey(ECDsa key)
    {
        _key = key;
        PublicKey = EvidencePublicKey.From(key);
    }

    public EvidencePublicKey PublicKey { get; }

    /// <summary>
    /// A P-256 private key as PEM ("EC PRIVATE KEY" or PKCS#8 "PRIVATE KEY") or as the base64 of its PKCS#8 DER, which
    /// fits on one line of an environment file.
    /// </summary>
    /// <exception cref="FormatException">Not such a key; the message never repeats the key.</exception>
    public static EvidenceSigningKey Parse(string text)
    {
        var key = ECDsa.Create();
        try
        {
            var trimmed = text.Trim();
            if (trimmed.StartsWith("-----", StringComparison.Ordinal))
                key.ImportFromPem(trimmed);
            else
                key.ImportPkcs8PrivateKey(Convert.FromBase64String(trimmed), out _);
            EvidencePublicKey.RequireP256(key);
            // A public key alone imports without complaint; signing needs the private part.
            key.ExportParameters(includePrivateParameters: true);
            return new EvidenceSigningKey(key);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException or FormatException)
        {
            key.Dispose();
            throw new FormatException($"not an ECDSA P-256 private key in PEM or base64 PKCS#8: {e.GetType().Name}.");
        }
    }

    public static EvidenceSigningKey Generate() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256));

    public string ExportPrivateKeyPem() => _key.ExportPkcs8PrivateKeyPem();

    public byte[] Sign(ReadOnlySpan<byte> data) =>
        _key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

    public void Dispose() => _key.Dispose();
}

/// <summary>The public half: what a bundle carries, and what a verifier pins.</summary>
public sealed class EvidencePublicKey
{
    private readonly byte[] _subjectPublicKeyInfo;

    private EvidencePublicKey(byte[] subjectPublicKeyInfo)
    {
        _subjectPublicKeyInfo = subjectPublicKeyInfo;
        KeyId = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(subjectPublicKeyInfo));
        Pem = PemEncoding.WriteString("PUBLIC KEY", subjectPublicKeyInfo) + "\n";
    }

    /// <summary>"sha256:" and the hex SHA-256 of the DER SubjectPublicKeyInfo: <c>openssl pkey -pubin -outform DER | sha256sum</c>.</summary>
    public string KeyId { get; }

    /// <summary>The SubjectPublicKeyInfo as PEM ("PUBLIC KEY").</summary>
    public string Pem { get; }

    internal static EvidencePublicKey From(ECDsa key) => new(key.ExportSubjectPublicKeyInfo());

    /// <summary>A P-256 public key as PEM ("PUBLIC KEY"); a private key's PEM gives its public half.</summary>
    /// <exception cref="FormatException">Not a P-256 key.</exception>
    public static EvidencePublicKey Parse(string pem)
    {
        using var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
            RequireP256(key);
            return From(key);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw new FormatException($"not an ECDSA P-256 key in PEM: {e.Message}");
        }
    }

    public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        using var key = ECDsa.Create();
        key.ImportSubjectPublicKeyInfo(_subjectPublicKeyInfo, out _);
        try
        {
            return key.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (CryptographicException)
        {
            return false;   // not even a DER signature
        }
    }

    internal static void RequireP256(ECDsa key)
    {
        if (key.ExportParameters(includePrivateParameters: false).Curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
            throw new CryptographicException("the key is not on curve P-256");
    }
}
