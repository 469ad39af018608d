using System.Security.Cryptography;
using Mesh.Registries.Vm;

namespace Mesh.Registries.Tests.Vm;

public sealed class BootstrapTokenTests
{
    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private static string Token(string ns = "apps", string group = "ratings", TimeSpan? ttl = null, byte[]? key = null) =>
        BootstrapToken.Issue(key ?? Key, new BootstrapClaims(ns, group, (Now + (ttl ?? TimeSpan.FromHours(1))).ToUnixTimeSeconds()));

    [Fact]
    public void Verify_IssuedToken_Valid()
    {
        var token = Token();

        var check = BootstrapToken.Verify(Key, token, "apps", "ratings", Now);

        Assert.True(check.Valid, check.Error);
        Assert.StartsWith("mesh-vm.v1.", token, StringComparison.Ordinal);
        Assert.Equal(Now + TimeSpan.FromHours(1), check.Claims!.ExpiresAt);
    }

    [Fact]
    public void Verify_Expired_Refused()
    {
        var check = BootstrapToken.Verify(Key, Token(ttl: TimeSpan.FromMinutes(5)), "apps", "ratings", Now + TimeSpan.FromMinutes(5));

        Assert.False(check.Valid);
        Assert.Contains("expired", check.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("apps", "reviews")]
    [InlineData("other", "ratings")]
    public void Verify_OtherGroupOrNamespace_Refused(string ns, string group)
    {
        var check = BootstrapToken.Verify(Key, Token(), ns, group, Now);

        Assert.False(check.Valid);
        Assert.Contains("apps/ratings", check.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_OtherMeshKey_Refused()
    {
        var check = BootstrapToken.Verify(Key, Token(key: RandomNumberGenerator.GetBytes(32)), "apps", "ratings", Now);

        Assert.False(check.Valid);
        Assert.Contains("signature", check.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_ClaimsSwappedFromAnotherToken_Refused()
    {
        // A token for group "ratings" with the claims of one for "reviews" grafted on: the MAC must catch it.
        var mine = Token(group: "ratings").Split('.');
        var other = Token(group: "reviews").Split('.');
        var forged = $"mesh-vm.v1.{other[2]}.{mine[3]}";

        Assert.False(BootstrapToken.Verify(Key, forged, "apps", "reviews", Now).Valid);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Bearer-less garbage")]
    [InlineData("mesh-vm.v1.onlyonepart")]
    [InlineData("mesh-vm.v1.!!!.???")]
    public void Verify_Malformed_RefusedWithoutThrowing(string? token)
    {
        Assert.False(BootstrapToken.Verify(Key, token, "apps", "ratings", Now).Valid);
    }

    [Fact]
    public void LoadOrCreate_TwiceInOneDirectory_SameOwnerOnlyKey()
    {
        var path = BootstrapKey.PathIn(Directory.CreateTempSubdirectory("mesh-key-").FullName);

        var first = BootstrapKey.LoadOrCreate(path);
        var second = BootstrapKey.LoadOrCreate(path);

        Assert.Equal(first, second);
        Assert.Equal(32, first.Length);
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, System.IO.File.GetUnixFileMode(path));
    }
}
