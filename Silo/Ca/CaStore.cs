using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using Org.BouncyCastle.X509.Extension;

namespace Mesh.Silo.Ca;

/// <summary>
/// Where the CA's keys come from. A directory in Istio's cacerts layout (ca-cert.pem, ca-key.pem,
/// root-cert.pem, cert-chain.pem): an operator's plugged-in CA (--cacerts, on Kubernetes a mounted
/// Secret, the same for every silo), or the embedded default, which the silo makes on first start
/// under &lt;config-dir&gt;/.mesh/ca/ (a self-signed root; the key readable by its owner only) and
/// reads again on every start after, so certificates issued before a restart stay trusted.
/// </summary>
public static class CaStore
{
    public const string CaCert = "ca-cert.pem", CaKey = "ca-key.pem", RootCert = "root-cert.pem", CertChain = "cert-chain.pem";

    /// <summary>How long the embedded root is valid: Istio's self-signed root lasts ten years.</summary>
    public static readonly TimeSpan RootLifetime = TimeSpan.FromDays(3650);

    /// <summary>Reads a cacerts directory; every file must be there and agree (the key signs for ca-cert, the chain ends at the root).</summary>
    public static CaMaterial Load(string directory)
    {
        string Read(string file)
        {
            var path = Path.Combine(directory, file);
            return File.Exists(path) ? File.ReadAllText(path) : throw new InvalidDataException($"CA directory {directory}: {file} is missing");
        }

        var caCert = Certificates(Read(CaCert), CaCert, directory).First();
        var root = Certificates(Read(RootCert), RootCert, directory).First();
        var chain = Certificates(Read(CertChain), CertChain, directory);
        var key = Pem.ReadAll(Read(CaKey)) switch
        {
            [AsymmetricCipherKeyPair pair] => pair.Private,
            [AsymmetricKeyParameter { IsPrivate: true } k] => k,
            _ => throw new InvalidDataException($"CA directory {directory}: {CaKey} holds no private key"),
        };
        if (!caCert.GetPublicKey().Equals(PublicOf(key)))
            throw new InvalidDataException($"CA directory {directory}: {CaKey} is not the key of {CaCert}");
        if (!chain[0].Equals(caCert))
            throw new InvalidDataException($"CA directory {directory}: {CertChain} does not start with {CaCert}");
        try
        {
            for (var i = 0; i < chain.Count; i++) chain[i].Verify((i + 1 < chain.Count ? chain[i + 1] : root).GetPublicKey());
        }
        catch (Exception ex) when (ex is InvalidKeyException or SignatureException or Org.BouncyCastle.Security.Certificates.CertificateException)
        {
            throw new InvalidDataException($"CA directory {directory}: {CertChain} does not lead to {RootCert} ({ex.Message})", ex);
        }
        return new CaMaterial(caCert, key, chain, root);
    }

    /// <summary>The embedded CA: read from the directory if it was made before, else made now (and written first, atomically).</summary>
    public static CaMaterial LoadOrCreate(string directory, string trustDomain, CaKeyKind kind, TimeProvider time)
    {
        if (File.Exists(Path.Combine(directory, CaKey))) return Load(directory);
        Directory.CreateDirectory(directory);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var random = new SecureRandom();
        var keys = Keys.Generate(kind, random);
        var now = time.GetUtcNow().UtcDateTime;
        var name = new X509Name($"O={trustDomain}");
        var generator = new X509V3CertificateGenerator();
        generator.SetSerialNumber(new BigInteger(128, random).Add(BigInteger.One));
        generator.SetIssuerDN(name);
        generator.SetSubjectDN(name);
        generator.SetNotBefore(now.AddMinutes(-5));
        generator.SetNotAfter(now + RootLifetime);
        generator.SetPublicKey(keys.Public);
        generator.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(true));
        generator.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.KeyCertSign | KeyUsage.CrlSign | KeyUsage.DigitalSignature));
        generator.AddExtension(X509Extensions.SubjectKeyIdentifier, false, X509ExtensionUtilities.CreateSubjectKeyIdentifier(keys.Public));
        var root = generator.Generate(new Asn1SignatureFactory(Keys.SignatureAlgorithm(keys.Private), keys.Private, random));

        // Written under temporary names and moved into place, the key last: a silo that starts while
        // another is writing sees no key yet, or a complete set.
        var pem = Pem.Write(root);
        WriteSecretly(directory, CaCert, pem);
        WriteSecretly(directory, RootCert, pem);
        WriteSecretly(directory, CertChain, pem);
        WriteSecretly(directory, CaKey, Pem.Write(keys.Private));
        return Load(directory);
    }

    private static void WriteSecretly(string directory, string file, string text)
    {
        var temp = Path.Combine(directory, $".{file}.{Environment.ProcessId}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temp, options))
        using (var writer = new StreamWriter(stream)) writer.Write(text);
        File.Move(temp, Path.Combine(directory, file), overwrite: true);
    }

    private static List<X509Certificate> Certificates(string pem, string file, string directory)
    {
        var certificates = Pem.ReadAll(pem).OfType<X509Certificate>().ToList();
        return certificates.Count > 0 ? certificates : throw new InvalidDataException($"CA directory {directory}: {file} holds no certificate");
    }

    private static AsymmetricKeyParameter PublicOf(AsymmetricKeyParameter key) => key switch
    {
        Org.BouncyCastle.Crypto.Parameters.ECPrivateKeyParameters ec =>
            new Org.BouncyCastle.Crypto.Parameters.ECPublicKeyParameters(ec.AlgorithmName, ec.Parameters.G.Multiply(ec.D).Normalize(), ec.Parameters),
        Org.BouncyCastle.Crypto.Parameters.RsaPrivateCrtKeyParameters rsa =>
            new Org.BouncyCastle.Crypto.Parameters.RsaKeyParameters(false, rsa.Modulus, rsa.PublicExponent),
        _ => throw new InvalidDataException($"unsupported CA key type {key.GetType().Name}"),
    };
}
