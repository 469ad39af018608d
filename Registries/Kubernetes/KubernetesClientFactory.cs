using k8s;
using k8s.KubeConfigModels;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Mesh.Registries.Kubernetes;

/// <summary>The API client of <see cref="KubernetesOptions"/>: the kubeconfig file named, or the pod's own service account when "in-cluster".</summary>
public static class KubernetesClientFactory
{
    /// <exception cref="ArgumentException">The kubeconfig cannot be used (<see cref="LoadConfiguration"/>).</exception>
    public static IKubernetes Create(KubernetesOptions options) => new k8s.Kubernetes(LoadConfiguration(options));

    /// <summary>
    /// Reads the kubeconfig as kubectl would. A user without any credentials (<c>user: {}</c>) is
    /// anonymous, as for kubectl; the client library would refuse it.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// Any kubeconfig that cannot be used (missing, not YAML, no current context, an exec plugin that
    /// fails): the message names the flag and the file, for the silo to print at start.
    /// </exception>
    public static KubernetesClientConfiguration LoadConfiguration(KubernetesOptions options)
    {
        try
        {
            if (options.Kubeconfig == KubernetesOptions.InCluster) return KubernetesClientConfiguration.InClusterConfig();
            var file = new FileInfo(options.Kubeconfig);
            var config = KubernetesClientConfiguration.LoadKubeConfig(file)
                ?? throw new InvalidDataException("the file holds no kubeconfig");
            AnonymousIfNoCredentials(config, file);
            return KubernetesClientConfiguration.BuildConfigFromConfigObject(config);
        }
        catch (Exception e)
        {
            throw new ArgumentException($"--kubeconfig {options.Kubeconfig}: cannot load the kubeconfig: {Reason(e)}", e);
        }
    }

    /// <summary>What went wrong, in the words closest to the file: YAML errors name the line.</summary>
    private static string Reason(Exception e) => e switch
    {
        YamlException y => $"not a kubeconfig (line {y.Start.Line}, column {y.Start.Column}: {Innermost(y).Message})",
        // The client walks clusters, contexts and users without looking: a document lacking them fails like this.
        NullReferenceException => "not a kubeconfig (clusters, contexts, users or current-context missing)",
        _ => e.Message,
    };

    private static Exception Innermost(Exception e) => e.InnerException is { } inner ? Innermost(inner) : e;

    /// <summary>
    /// The client refuses a context whose user has no credentials, which kubectl (client-go) reads as
    /// anonymous; a context without a user is anonymous to the client too, so the user is taken off
    /// the context. Only a user entry that is really empty qualifies: one with a field the client does
    /// not read (tokenFile) keeps the client's own error rather than silently dropping a credential.
    /// </summary>
    private static void AnonymousIfNoCredentials(K8SConfiguration config, FileInfo file)
    {
        var context = config.Contexts?.FirstOrDefault(c => string.Equals(c.Name, config.CurrentContext, StringComparison.OrdinalIgnoreCase));
        if (context?.ContextDetails?.User is not { Length: > 0 } userName) return;
        var user = config.Users?.FirstOrDefault(u => string.Equals(u.Name, userName, StringComparison.OrdinalIgnoreCase));
        if (user is null || !IsEmpty(RawUser(file, user.Name))) return;
        context.ContextDetails.User = null;
    }

    /// <summary>The user's <c>user:</c> mapping as written: null when absent or empty.</summary>
    private static YamlMappingNode? RawUser(FileInfo file, string name)
    {
        var yaml = new YamlStream();
        using (var reader = file.OpenText()) yaml.Load(reader);
        if (yaml.Documents.FirstOrDefault()?.RootNode is not YamlMappingNode root
            || !root.Children.TryGetValue(new YamlScalarNode("users"), out var users) || users is not YamlSequenceNode list)
            return null;
        foreach (var entry in list.OfType<YamlMappingNode>())
            if (entry.Children.TryGetValue(new YamlScalarNode("name"), out var n) && n is YamlScalarNode { Value: { } v }
                && string.Equals(v, name, StringComparison.OrdinalIgnoreCase))
                return entry.Children.TryGetValue(new YamlScalarNode("user"), out var u) ? u as YamlMappingNode : null;
        return null;
    }

    private static bool IsEmpty(YamlMappingNode? user) => user is null || user.Children.Count == 0;
}
