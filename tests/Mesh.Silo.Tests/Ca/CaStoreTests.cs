using Mesh.Silo.Ca;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Silo.Tests.Ca;

public sealed class CaStoreTests : IDisposable
{
    private readonly string _dir = Path.Combine(Directory.CreateTempSubdirectory("mesh-ca-").FullName, ".mesh", "ca");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 6, 0, 0, 0, TimeSpan.Zero));

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(Path.GetDirectoryName(_dir))!, recursive: true);

    [Theory]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    [InlineData(CaKeyKind.EcdsaP256)]
    [InlineData(CaKeyKind.Rsa2048)]
    public void LoadOrCreate_FirstStart_SelfSignedRootWithOwnerOnlyKey(CaKeyKind kind)
    {
        var ca = CaStore.LoadOrCreate(_dir, "cluster.local", kind, _time);

        var root = Csrs.Certificate(ca.RootPem);
        Assert.Equal(root.Subject, root.Issuer);
        Assert.Contains("O=cluster.local", root.Subject);
        Assert.True(root.Extensions.OfType<System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension>().Single().CertificateAuthority);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dir, CaStore.CaKey)));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_dir));
        Assert.Equal(kind == CaKeyKind.EcdsaP256 ? "1.2.840.10045.2.1" : "1.2.840.113549.1.1.1", root.PublicKey.Oid.Value);
    }

    [Fact]
    public void LoadOrCreate_Restarted_SameRootAndCertificatesIssuedBeforeStillValidate()
    {
        var first = CaStore.LoadOrCreate(_dir, "cluster.local", CaKeyKind.EcdsaP256, _time);
        var identity = new SpiffeId("cluster.local", "shop", "cart");
        var issued = new CsrSigner(first, _time).Sign(Csrs.For(new Uri(identity.Uri)).Pem, identity);

        var again = CaStore.LoadOrCreate(_dir, "cluster.local", CaKeyKind.EcdsaP256, _time);

        Assert.Equal(first.RootPem, again.RootPem);
        Assert.True(Csrs.Validates([issued.ChainPem[0], again.RootPem], _time.GetUtcNow().UtcDateTime));
    }

    [Fact]
    public void Load_PluggedInIntermediate_SignsWithCaCertAndSendsChainToRoot()
    {
        // An operator's layout: a root, and an intermediate for this cluster signed by it.
        var rootDir = Path.Combine(_dir, "root");
        var root = CaStore.LoadOrCreate(rootDir, "root.example", CaKeyKind.EcdsaP256, _time);
        var plugged = Path.Combine(_dir, "cacerts");
        Directory.CreateDirectory(plugged);
        var intermediate = Intermediate.Sign(root, "cluster-1", _time);
        File.WriteAllText(Path.Combine(plugged, CaStore.CaCert), intermediate.CertPem);
        File.WriteAllText(Path.Combine(plugged, CaStore.CaKey), intermediate.KeyPem);
        File.WriteAllText(Path.Combine(plugged, CaStore.RootCert), root.RootPem);
        File.WriteAllText(Path.Combine(plugged, CaStore.CertChain), intermediate.CertPem + root.RootPem);

        var ca = CaStore.Load(plugged);
        var identity = new SpiffeId("cluster.local", "shop", "cart");
        var issued = new CsrSigner(ca, _time).Sign(Csrs.For(new Uri(identity.Uri)).Pem, identity);

        Assert.Equal(3, issued.ChainPem.Count);
        Assert.Equal(intermediate.CertPem.Trim(), issued.ChainPem[1].Trim());
        Assert.Equal(root.RootPem, issued.ChainPem[2]);
        Assert.True(Csrs.Validates(issued.ChainPem, _time.GetUtcNow().UtcDateTime));
    }

    [Fact]
    public void Load_KeyOfAnotherCertificate_RefusedNamingTheFile()
    {
        var a = CaStore.LoadOrCreate(Path.Combine(_dir, "a"), "a.example", CaKeyKind.EcdsaP256, _time);
        CaStore.LoadOrCreate(Path.Combine(_dir, "b"), "b.example", CaKeyKind.EcdsaP256, _time);
        File.Copy(Path.Combine(_dir, "b", CaStore.CaKey), Path.Combine(_dir, "a", CaStore.CaKey), overwrite: true);

        var error = Assert.Throws<InvalidDataException>(() => CaStore.Load(Path.Combine(_dir, "a")));

        Assert.Contains("ca-key.pem is not the key of ca-cert.pem", error.Message);
        Assert.NotNull(a);
    }

    [Fact]
    public void Load_MissingFile_RefusedNamingIt()
    {
        CaStore.LoadOrCreate(_dir, "cluster.local", CaKeyKind.EcdsaP256, _time);
        File.Delete(Path.Combine(_dir, CaStore.CertChain));

        var error = Assert.Throws<InvalidDataException>(() => CaStore.Load(_dir));

        Assert.Contains("cert-chain.pem is missing", error.Message);
    }
}
