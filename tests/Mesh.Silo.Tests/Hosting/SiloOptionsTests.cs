using Mesh.Silo.Hosting;

namespace Mesh.Silo.Tests.Hosting;

public sealed class SiloOptionsTests
{
    private static SiloOptions Parse(params string[] args) => SiloOptions.Parse(args, _ => null);

    [Fact]
    public void Parse_BootstrapKeyFile_FullPathElseNull()
    {
        Assert.Null(Parse().BootstrapKeyFile);
        Assert.Equal(Path.GetFullPath("secrets/bootstrap.key"), Parse("--bootstrap-key-file", "secrets/bootstrap.key").BootstrapKeyFile);
    }

    [Fact]
    public void Parse_Kubeconfig_ReadsTheClustersCrdsByDefault()
    {
        Assert.True(Parse("--kubeconfig", "in-cluster").Kubernetes!.ConfigCrds);
    }

    [Fact]
    public void Parse_KubeConfigCrdsFalse_TurnsTheCrdSourceOff()
    {
        Assert.False(Parse("--kubeconfig", "in-cluster", "--kube-config-crds=false").Kubernetes!.ConfigCrds);
    }

    [Fact]
    public void Parse_KubeConfigCrdsWithoutKubeconfig_IsAcceptedAndRunsNoKubernetes()
    {
        Assert.Null(Parse("--kube-config-crds", "false").Kubernetes);
    }

    [Fact]
    public void Parse_KubeConfigCrdsNotABoolean_FailsNamingTheFlag()
    {
        var error = Assert.Throws<ArgumentException>(() => Parse("--kubeconfig", "in-cluster", "--kube-config-crds", "maybe"));
        Assert.Equal("--kube-config-crds: invalid value \"maybe\": expected true or false", error.Message);
    }
}
