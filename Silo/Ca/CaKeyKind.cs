namespace Mesh.Silo.Ca;

/// <summary>The embedded root's key: ECDSA P-256 by default, as Istio's; RSA 2048 where a client needs it.</summary>
public enum CaKeyKind
{
    EcdsaP256,
    Rsa2048,
}
