using Mesh.Silo.Ca;

namespace Mesh.Silo.Tests.Ca;

public sealed class SpiffeIdTests
{
    [Fact]
    public void TryParse_IstioForm_Parts()
    {
        Assert.True(SpiffeId.TryParse("spiffe://cluster.local/ns/shop/sa/cart", out var id));
        Assert.Equal(new SpiffeId("cluster.local", "shop", "cart"), id);
        Assert.Equal("spiffe://cluster.local/ns/shop/sa/cart", id.Uri);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("https://cluster.local/ns/shop/sa/cart")]
    [InlineData("spiffe://cluster.local/ns/shop")]
    [InlineData("spiffe://cluster.local/sa/cart/ns/shop")]
    [InlineData("spiffe://cluster.local/ns//sa/cart")]
    [InlineData("spiffe://cluster.local/ns/shop/sa/cart/extra")]
    [InlineData("spiffe://cluster.local/ns/shop/sa/cart?x=1")]
    public void TryParse_NotIstioForm_False(string? text) => Assert.False(SpiffeId.TryParse(text, out _));
}
