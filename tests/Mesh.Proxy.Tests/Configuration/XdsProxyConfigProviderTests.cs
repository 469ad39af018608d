using Mesh.Proxy.Configuration;

namespace Mesh.Proxy.Tests.Configuration;

public sealed class XdsProxyConfigProviderTests
{
    [Fact]
    public void Update_NewSnapshot_SwapsCurrentAndLeavesTheOldConfigAsItWas()
    {
        var provider = new XdsProxyConfigProvider();
        var before = provider.Current;
        var snapshot = ProxySnapshot.Empty with { Version = ProxySnapshot.Empty.Version.SetItem("CDS", "1") };

        provider.Update(snapshot);

        Assert.Same(snapshot, provider.Current.Snapshot);
        Assert.Same(ProxySnapshot.Empty, before.Snapshot);
    }
}
