using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.X509;

namespace Mesh.Silo.Ca;

/// <summary>
/// What the CA signs with: its certificate and key, the chain from it up to the root (Istio's
/// cert-chain.pem: the signing certificate first), and the root that proxies trust.
/// </summary>
public sealed record CaMaterial(X509Certificate SigningCertificate, AsymmetricKeyParameter SigningKey,
    IReadOnlyList<X509Certificate> Chain, X509Certificate Root)
{
    public string RootPem => Pem.Write(Root);
}
