using System.Net;
using System.Security.Cryptography.X509Certificates;
using Mesh.Silo.Ca;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Silo.Tests.Ca;

public sealed class CsrSignerTests : IDisposable
{
    private static readonly SpiffeId Cart = new("cluster.local", "shop", "cart");
    private readonly string _dir = Directory.CreateTempSubdirectory("mesh-csr-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));
    private readonly CsrSigner _signer;

    public CsrSignerTests() => _signer = new CsrSigner(CaStore.LoadOrCreate(_dir, "cluster.local", CaKeyKind.EcdsaP256, _time), _time);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Sign_CsrForTheProvenIdentity_WorkloadCertificateIstioShaped()
    {
        var (csr, key) = Csrs.For(new Uri(Cart.Uri));

        var issued = _signer.Sign(csr, Cart);

        var leaf = Csrs.Certificate(issued.ChainPem[0]);
        Assert.Equal("", leaf.Subject);
        var san = leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.True(san.Critical);
        // One name, the URI (OpenSSL formats it "URI:", Windows "URI=").
        Assert.Matches("^URI[:=]spiffe://cluster.local/ns/shop/sa/cart$", san.Format(false));
        Assert.False(leaf.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        var usages = leaf.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Select(o => o.Value);
        Assert.Equal(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"], usages);
        Assert.Equal(key.ExportSubjectPublicKeyInfo(), leaf.PublicKey.ExportSubjectPublicKeyInfo());
        Assert.Equal(_time.GetUtcNow() - CsrSigner.ClockSkew, new DateTimeOffset(leaf.NotBefore.ToUniversalTime()));
        Assert.Equal(_time.GetUtcNow() + CsrSigner.DefaultTtl, new DateTimeOffset(leaf.NotAfter.ToUniversalTime()));
        Assert.True(Csrs.Validates(issued.ChainPem, _time.GetUtcNow().UtcDateTime));
        // A proxy whose clock is a few minutes behind can use it at once.
        Assert.True(Csrs.Validates(issued.ChainPem, _time.GetUtcNow().UtcDateTime.AddMinutes(-4)));
    }

    [Fact]
    public void Sign_TtlAboveTheCap_CappedAt90Days()
    {
        var issued = _signer.Sign(Csrs.For(new Uri(Cart.Uri)).Pem, Cart, TimeSpan.FromDays(400));

        Assert.Equal(_time.GetUtcNow() + CsrSigner.MaxTtl, issued.NotAfter);
    }

    [Fact]
    public void Sign_CsrForAnotherIdentity_RefusedAsNotYours()
    {
        var other = new SpiffeId("cluster.local", "payments", "ledger");

        var error = Assert.Throws<CsrRejectedException>(() => _signer.Sign(Csrs.For(new Uri(other.Uri)).Pem, Cart));

        Assert.Equal(CsrProblem.NotYourIdentity, error.Problem);
        Assert.Contains("asks for spiffe://cluster.local/ns/payments/sa/ledger", error.Message);
        Assert.Contains("proved spiffe://cluster.local/ns/shop/sa/cart", error.Message);
    }

    [Fact]
    public void Sign_SeveralSans_RefusedNamingThem()
    {
        var (csr, _) = Csrs.With(b =>
        {
            b.AddUri(new Uri(Cart.Uri));
            b.AddDnsName("cart.shop.svc");
            b.AddIpAddress(IPAddress.Loopback);
        });

        var error = Assert.Throws<CsrRejectedException>(() => _signer.Sign(csr, Cart));

        Assert.Equal(CsrProblem.BadSubjectAltNames, error.Problem);
        Assert.Contains("asks for 3 subject alternative names", error.Message);
        Assert.Contains("DNS cart.shop.svc", error.Message);
    }

    [Fact]
    public void Sign_NoSan_RefusedSayingWhatIsExpected()
    {
        var error = Assert.Throws<CsrRejectedException>(() => _signer.Sign(Csrs.With(null).Pem, Cart));

        Assert.Equal(CsrProblem.BadSubjectAltNames, error.Problem);
        Assert.Contains("one URI SAN", error.Message);
    }

    [Fact]
    public void Sign_UriThatIsNotSpiffe_Refused()
    {
        var error = Assert.Throws<CsrRejectedException>(() => _signer.Sign(Csrs.For(new Uri("https://cart.shop/")).Pem, Cart));

        Assert.Equal(CsrProblem.BadSubjectAltNames, error.Problem);
        Assert.Contains("is not a SPIFFE identity", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a csr at all")]
    [InlineData("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n")]
    public void Sign_Garbage_RefusedAsMalformed(string csr)
    {
        var error = Assert.Throws<CsrRejectedException>(() => _signer.Sign(csr, Cart));

        Assert.Equal(CsrProblem.Malformed, error.Problem);
    }

    [Fact]
    public void Sign_CertificateInsteadOfCsr_RefusedAsMalformed()
    {
        var error = Assert.Throws<CsrRejectedException>(() => _signer.Sign(_signer.Ca.RootPem, Cart));

        Assert.Equal(CsrProblem.Malformed, error.Problem);
        Assert.Contains("not a certificate request", error.Message);
    }

    [Fact]
    public void Sign_TamperedCsr_RefusedForItsSignature()
    {
        var (pem, _) = Csrs.For(new Uri(Cart.Uri));
        var der = Convert.FromBase64String(string.Concat(pem.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal))));
        // Flip a byte inside the SAN's URI text: still a well-formed CSR, but no longer what was signed.
        var at = IndexOf(der, "cart"u8.ToArray());
        der[at] = (byte)'k';
        var tampered = $"-----BEGIN CERTIFICATE REQUEST-----\n{Convert.ToBase64String(der, Base64FormattingOptions.InsertLineBreaks)}\n-----END CERTIFICATE REQUEST-----\n";

        var error = Assert.Throws<CsrRejectedException>(() => _signer.Sign(tampered, new SpiffeId("cluster.local", "shop", "kart")));

        Assert.Equal(CsrProblem.BadSignature, error.Problem);
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (var i = 0; i + needle.Length <= haystack.Length; i++)
            if (haystack.AsSpan(i, needle.Length).SequenceEqual(needle)) return i;
        throw new InvalidOperationException("not found");
    }
}
