using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mesh.Silo.Tests.Ca;

/// <summary>CSRs as a workload makes them, with .NET's own CertificateRequest (not the CA's library).</summary>
internal static class Csrs
{
    public static (string Pem, ECDsa Key) For(params Uri[] uris) => With(b => { foreach (var u in uris) b.AddUri(u); });

    public static (string Pem, ECDsa Key) With(Action<SubjectAlternativeNameBuilder>? sans)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("", key, HashAlgorithmName.SHA256);
        if (sans is not null)
        {
            var builder = new SubjectAlternativeNameBuilder();
            sans(builder);
            request.CertificateExtensions.Add(builder.Build(critical: true));
        }
        return (request.CreateSigningRequestPem(), key);
    }

    public static X509Certificate2 Certificate(string pem) => X509Certificate2.CreateFromPem(pem);

    /// <summary>Whether the chain (leaf first, root last) validates with only its own root trusted, at the given time.</summary>
    public static bool Validates(IReadOnlyList<string> chainPem, DateTime at)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = at;
        chain.ChainPolicy.CustomTrustStore.Add(Certificate(chainPem[^1]));
        foreach (var middle in chainPem.Skip(1).SkipLast(1)) chain.ChainPolicy.ExtraStore.Add(Certificate(middle));
        return chain.Build(Certificate(chainPem[0]));
    }
}
