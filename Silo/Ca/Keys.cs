using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;

namespace Mesh.Silo.Ca;

/// <summary>Key pairs of the CA's kinds, and the signature algorithm each signs with.</summary>
public static class Keys
{
    public static AsymmetricCipherKeyPair Generate(CaKeyKind kind, SecureRandom random)
    {
        IAsymmetricCipherKeyPairGenerator generator;
        if (kind == CaKeyKind.Rsa2048)
        {
            generator = new RsaKeyPairGenerator();
            generator.Init(new RsaKeyGenerationParameters(BigInteger.ValueOf(65537), random, 2048, 100));
        }
        else
        {
            generator = new ECKeyPairGenerator();
            generator.Init(new ECKeyGenerationParameters(X9ObjectIdentifiers.Prime256v1, random));
        }
        return generator.GenerateKeyPair();
    }

    public static string SignatureAlgorithm(AsymmetricKeyParameter privateKey) =>
        privateKey is ECPrivateKeyParameters ? "SHA256WITHECDSA" : "SHA256WITHRSA";
}
