using Mesh.Silo.Ca;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace Mesh.Silo.Tests.Ca;

/// <summary>An intermediate CA signed by a root, as an operator makes one per cluster for --cacerts.</summary>
internal static class Intermediate
{
    public static (string CertPem, string KeyPem) Sign(CaMaterial root, string cluster, TimeProvider time)
    {
        var random = new SecureRandom();
        var keys = Keys.Generate(CaKeyKind.EcdsaP256, random);
        var now = time.GetUtcNow().UtcDateTime;
        var generator = new X509V3CertificateGenerator();
        generator.SetSerialNumber(BigInteger.ValueOf(2));
        generator.SetIssuerDN(root.SigningCertificate.SubjectDN);
        generator.SetSubjectDN(new X509Name($"O=cluster.local, CN={cluster}"));
        generator.SetNotBefore(now.AddHours(-1));
        generator.SetNotAfter(now.AddDays(365));
        generator.SetPublicKey(keys.Public);
        generator.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(true));
        generator.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.KeyCertSign | KeyUsage.CrlSign));
        var cert = generator.Generate(new Asn1SignatureFactory(Keys.SignatureAlgorithm(root.SigningKey), root.SigningKey, random));
        return (Pem.Write(cert), Pem.Write(keys.Private));
    }
}
