using System.Text.RegularExpressions;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;

namespace Mesh.Silo.Clustering;

/// <summary>
/// Checked by Orleans at start: a silo keeping its membership under one cluster id while its
/// ClusterOptions name another would join a table its peers' connections then refuse, a failure
/// that shows far from its cause.
/// </summary>
internal sealed partial class KubernetesMembershipValidator(KubernetesMembershipOptions options, ClusterOptions cluster) : IConfigurationValidator
{
    public void ValidateConfiguration()
    {
        if (!NamespaceName().IsMatch(options.Namespace ?? ""))
            throw new OrleansConfigurationException($"Kubernetes membership: '{options.Namespace}' is not a namespace name (lowercase letters, digits and '-', at most 63)");
        if (string.IsNullOrEmpty(options.ClusterId))
            throw new OrleansConfigurationException("Kubernetes membership: the cluster id is empty");
        if (options.ClusterId != cluster.ClusterId)
            throw new OrleansConfigurationException(
                $"Kubernetes membership: the table's cluster id '{options.ClusterId}' differs from Orleans' ClusterOptions.ClusterId '{cluster.ClusterId}'; they must be the same");
        if (options.RequestTimeout <= TimeSpan.Zero)
            throw new OrleansConfigurationException($"Kubernetes membership: the request timeout must be positive, not {options.RequestTimeout}");
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
    private static partial Regex NamespaceName();
}
