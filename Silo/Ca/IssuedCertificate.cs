namespace Mesh.Silo.Ca;

/// <summary>A signed workload certificate: the chain as Istio's CreateCertificate returns it (the leaf first, the root last), and its validity.</summary>
public sealed record IssuedCertificate(IReadOnlyList<string> ChainPem, SpiffeId Identity, DateTimeOffset NotBefore, DateTimeOffset NotAfter);
