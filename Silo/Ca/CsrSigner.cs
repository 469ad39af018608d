using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using Org.BouncyCastle.X509.Extension;

namespace Mesh.Silo.Ca;

/// <summary>
/// Signs workload CSRs with the CA's key, as Citadel does: the certificate names exactly the
/// identity the caller proved (a SPIFFE URI SAN, no subject), for client and server use, valid
/// from a little before now (proxies' clocks differ) for the TTL asked, at most <see cref="MaxTtl"/>.
/// A CSR is checked before anything is signed: that it parses, that its own signature holds (the
/// caller has the key), that it asks for exactly one URI SAN, and that the SAN is the proven identity.
/// </summary>
public sealed class CsrSigner(CaMaterial ca, TimeProvider time)
{
    public static readonly TimeSpan DefaultTtl = TimeSpan.FromHours(24);

    /// <summary>Istio's cap on a workload certificate's lifetime.</summary>
    public static readonly TimeSpan MaxTtl = TimeSpan.FromDays(90);

    /// <summary>How far before now a certificate starts, so a proxy whose clock is behind can use it at once.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    private const int MinRsaBits = 2048;
    private readonly SecureRandom _random = new();

    public CaMaterial Ca { get; } = ca;

    /// <summary>Checks the CSR against the identity the caller proved, then signs it.</summary>
    /// <exception cref="CsrRejectedException">The CSR is malformed, its signature does not hold, or it asks for another identity.</exception>
    public IssuedCertificate Sign(string csrPem, SpiffeId proven, TimeSpan? ttl = null)
    {
        var csr = Parse(csrPem);
        AsymmetricKeyParameter publicKey;
        try
        {
            publicKey = csr.GetPublicKey();
            if (!csr.Verify()) throw new CsrRejectedException(CsrProblem.BadSignature, "the CSR's signature does not match its public key");
        }
        catch (Exception ex) when (ex is not CsrRejectedException)
        {
            throw new CsrRejectedException(CsrProblem.BadSignature, $"the CSR's signature could not be checked: {ex.Message}");
        }
        if (publicKey is RsaKeyParameters { Modulus.BitLength: < MinRsaBits } weak)
            throw new CsrRejectedException(CsrProblem.Malformed, $"the CSR's RSA key has {weak.Modulus.BitLength} bits; at least {MinRsaBits} are required");

        var requested = RequestedIdentity(csr);
        if (requested != proven)
            throw new CsrRejectedException(CsrProblem.NotYourIdentity, $"the CSR asks for {requested.Uri}, but the caller proved {proven.Uri}");

        var lifetime = ttl is { } asked && asked > TimeSpan.Zero ? (asked < MaxTtl ? asked : MaxTtl) : DefaultTtl;
        var now = time.GetUtcNow();
        var notBefore = now - ClockSkew;
        var notAfter = now + lifetime;
        var generator = new X509V3CertificateGenerator();
        generator.SetSerialNumber(new BigInteger(128, _random).Add(BigInteger.One));
        generator.SetIssuerDN(Ca.SigningCertificate.SubjectDN);
        generator.SetSubjectDN(new X509Name([], []));
        generator.SetNotBefore(notBefore.UtcDateTime);
        generator.SetNotAfter(notAfter.UtcDateTime);
        generator.SetPublicKey(publicKey);
        // An empty subject makes the SAN the certificate's only name, so it is critical (RFC 5280 4.2.1.6).
        generator.AddExtension(X509Extensions.SubjectAlternativeName, true,
            new GeneralNames(new GeneralName(GeneralName.UniformResourceIdentifier, proven.Uri)));
        generator.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(false));
        generator.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.DigitalSignature | KeyUsage.KeyEncipherment));
        generator.AddExtension(X509Extensions.ExtendedKeyUsage, false,
            new ExtendedKeyUsage(KeyPurposeID.id_kp_serverAuth, KeyPurposeID.id_kp_clientAuth));
        generator.AddExtension(X509Extensions.AuthorityKeyIdentifier, false,
            X509ExtensionUtilities.CreateAuthorityKeyIdentifier(Ca.SigningCertificate));
        var leaf = generator.Generate(new Asn1SignatureFactory(Keys.SignatureAlgorithm(Ca.SigningKey), Ca.SigningKey, _random));

        var chain = new List<string> { Pem.Write(leaf) };
        chain.AddRange(Ca.Chain.Where(c => !c.Equals(Ca.Root)).Select(c => Pem.Write(c)));
        chain.Add(Ca.RootPem);
        return new IssuedCertificate(chain, proven, notBefore, notAfter);
    }

    private static Pkcs10CertificationRequest Parse(string csrPem)
    {
        IReadOnlyList<object> objects;
        try
        {
            objects = Pem.ReadAll(csrPem ?? "");
        }
        catch (Exception ex)
        {
            throw new CsrRejectedException(CsrProblem.Malformed, $"the CSR is not valid PEM: {ex.Message}");
        }
        return objects switch
        {
            [Pkcs10CertificationRequest csr] => csr,
            [] => throw new CsrRejectedException(CsrProblem.Malformed, "no PEM \"CERTIFICATE REQUEST\" block in the CSR"),
            [var other] => throw new CsrRejectedException(CsrProblem.Malformed, $"the PEM block is a {other.GetType().Name}, not a certificate request"),
            _ => throw new CsrRejectedException(CsrProblem.Malformed, $"the CSR holds {objects.Count} PEM blocks; send one certificate request"),
        };
    }

    private static SpiffeId RequestedIdentity(Pkcs10CertificationRequest csr)
    {
        X509Extensions? extensions;
        try
        {
            extensions = csr.GetRequestedExtensions();
        }
        catch (Exception ex)
        {
            throw new CsrRejectedException(CsrProblem.Malformed, $"the CSR's requested extensions do not parse: {ex.Message}");
        }
        var san = extensions?.GetExtension(X509Extensions.SubjectAlternativeName);
        if (san is null)
            throw new CsrRejectedException(CsrProblem.BadSubjectAltNames, "the CSR asks for no subject alternative name; it must ask for one URI SAN, the caller's SPIFFE identity");
        GeneralName[] names;
        try
        {
            names = GeneralNames.GetInstance(Asn1Object.FromByteArray(san.Value.GetOctets())).GetNames();
        }
        catch (Exception ex)
        {
            throw new CsrRejectedException(CsrProblem.Malformed, $"the CSR's subject alternative names do not parse: {ex.Message}");
        }
        if (names.Length != 1 || names[0].TagNo != GeneralName.UniformResourceIdentifier)
            throw new CsrRejectedException(CsrProblem.BadSubjectAltNames,
                $"the CSR asks for {names.Length} subject alternative names ({string.Join(", ", names.Select(Describe))}); it must ask for exactly one URI SAN, the caller's SPIFFE identity");
        var uri = names[0].Name.ToString();
        return SpiffeId.TryParse(uri, out var id)
            ? id
            : throw new CsrRejectedException(CsrProblem.BadSubjectAltNames, $"the CSR's URI SAN \"{Safe(uri)}\" is not a SPIFFE identity spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>");
    }

    private static string Describe(GeneralName name) => name.TagNo switch
    {
        GeneralName.UniformResourceIdentifier => $"URI {Safe(name.Name.ToString())}",
        GeneralName.DnsName => $"DNS {Safe(name.Name.ToString())}",
        GeneralName.IPAddress => "an IP address",
        _ => $"a name of type {name.TagNo}",
    };

    private static string Safe(string? text) =>
        text is null ? "" : new string([.. text.Take(200).Select(c => char.IsControl(c) ? '?' : c)]);
}
