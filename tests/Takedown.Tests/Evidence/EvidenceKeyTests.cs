using System.Security.Cryptography;
using Takedown.EventStore.Evidence;

namespace Takedown.Tests.Evidence;

/// <summary>The forms an operator gives the signing key in, and the keys it refuses.</summary>
public sealed class EvidenceKeyTests
{
    private static readonly byte[] Manifest = "{\"format\":\"takedown-evidence-bundle/1\"}"u8.ToArray();

    public static TheoryData<string, Func<ECDsa, string>> Forms => new()
    {
        { "PKCS#8 PEM (openssl genpkey)", key => key.ExportPkcs8PrivateKeyPem() },
        { "SEC1 PEM (openssl ecparam -genkey)", key => key.ExportECPrivateKeyPem() },
        { "one line of base64 PKCS#8 DER (.env)", key => Convert.ToBase64String(key.ExportPkcs8PrivateKey()) },
    };

    [Theory]
    [MemberData(nameof(Forms))]
    public void A_P256_private_key_loads_from_each_form_and_signs_what_its_public_half_verifies(string form, Func<ECDsa, string> export)
    {
        using var original = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        using var key = EvidenceSigningKey.Parse("\n" + export(original) + "\n");
        var signature = key.Sign(Manifest);

        var published = EvidencePublicKey.Parse(original.ExportSubjectPublicKeyInfoPem());
        Assert.True(published.Verify(Manifest, signature), form);
        Assert.False(published.Verify([.. Manifest, (byte)' '], signature), form);
        Assert.Equal("sha256:" + Convert.ToHexStringLower(SHA256.HashData(original.ExportSubjectPublicKeyInfo())), key.PublicKey.KeyId);
        // DER, as openssl dgst -sha256 -verify reads it: a SEQUENCE of two INTEGERs.
        Assert.Equal(0x30, signature[0]);
        Assert.True(original.VerifyData(Manifest, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
    }

    [Fact]
    public void A_key_on_another_curve_a_public_key_and_garbage_are_refused_without_echoing_them()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        foreach (var text in new[] { p384.ExportPkcs8PrivateKeyPem(), p256.ExportSubjectPublicKeyInfoPem(), "change-me-evidence-key" })
        {
            var refused = Assert.Throws<FormatException>(() => EvidenceSigningKey.Parse(text));
            Assert.StartsWith("not an ECDSA P-256 private key in PEM or base64 PKCS#8", refused.Message, StringComparison.Ordinal);
            var secret = text.Trim().Split('\n') is { Length: > 1 } lines ? lines[1] : text;
            Assert.DoesNotContain(secret, refused.Message, StringComparison.Ordinal);
        }
        Assert.Throws<FormatException>(() => EvidencePublicKey.Parse(p384.ExportSubjectPublicKeyInfoPem()));
    }
}
