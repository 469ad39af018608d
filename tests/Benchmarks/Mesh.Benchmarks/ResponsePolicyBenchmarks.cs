using System.Collections.Immutable;
using BenchmarkDotNet.Attributes;
using Google.Protobuf.Collections;
using Mesh.Silo.Xds;

namespace Mesh.Benchmarks;

/// <summary>
/// ResponsePolicy per request: runs on every request of every stream. The common request is an
/// ACK, and an Envoy EDS ACK repeats every cluster name it watches, so the ACK is measured with
/// 10 names (baseline) and 1000. Names arrive as a protobuf RepeatedField, as from the wire.
/// </summary>
[MemoryDiagnoser]
public class ResponsePolicyBenchmarks
{
    private const string Nonce = "silo-1-42";
    private const string Version = "0123456789abcdef";
    private static readonly IReadOnlyDictionary<string, string> NoVersions = new Dictionary<string, string>();

    private WatchState _watch10 = WatchState.Empty, _watch100 = WatchState.Empty, _watch1000 = WatchState.Empty;
    private IReadOnlySet<string> _lookup100 = null!, _lookup1000 = null!;
    private SotwRequest _initialCds = null!, _ack10 = null!, _ack100 = null!, _ack1000 = null!, _subscribeOneMore1000 = null!;
    private DeltaRequest _deltaAck = null!, _deltaSubscribeOne = null!;

    [GlobalSetup]
    public void Setup()
    {
        _watch10 = Watch(10);
        _watch100 = Watch(100);
        _watch1000 = Watch(1000);
        // As a stream passes it: the frozen set shared by the streams that hold the same names.
        var shared = new SubscriptionSets();
        _lookup100 = shared.Lookup(_watch100.Names);
        _lookup1000 = shared.Lookup(_watch1000.Names);
        _initialCds = new SotwRequest("", "", new RepeatedField<string>(), false);
        _ack10 = new SotwRequest(Version, Nonce, Names(10), false);
        _ack100 = new SotwRequest(Version, Nonce, Names(100), false);
        _ack1000 = new SotwRequest(Version, Nonce, Names(1000), false);
        _subscribeOneMore1000 = new SotwRequest(Version, Nonce, Names(1001), false);
        _deltaAck = new DeltaRequest(Nonce, [], [], NoVersions, false);
        _deltaSubscribeOne = new DeltaRequest(Nonce, [ClusterName(1000)], [], NoVersions, false);
    }

    [Benchmark(Baseline = true)]
    public ResponseDecision Sotw_Ack_10() => ResponsePolicy.Sotw(_watch10, _ack10, wildcardType: false);

    [Benchmark]
    public ResponseDecision Sotw_Ack_1000() => ResponsePolicy.Sotw(_watch1000, _ack1000, wildcardType: false);

    [Benchmark]
    public ResponseDecision Sotw_Ack_100() => ResponsePolicy.Sotw(_watch100, _ack100, wildcardType: false);

    [Benchmark]
    public ResponseDecision Sotw_Ack_100_SharedLookup() => ResponsePolicy.Sotw(_watch100, _ack100, wildcardType: false, _lookup100);

    [Benchmark]
    public ResponseDecision Sotw_Ack_1000_SharedLookup() => ResponsePolicy.Sotw(_watch1000, _ack1000, wildcardType: false, _lookup1000);

    [Benchmark]
    public ResponseDecision Sotw_SubscribeOneMore_1000() => ResponsePolicy.Sotw(_watch1000, _subscribeOneMore1000, wildcardType: false);

    [Benchmark]
    public ResponseDecision Sotw_InitialWildcardCds() => ResponsePolicy.Sotw(null, _initialCds, wildcardType: true);

    [Benchmark]
    public ResponseDecision Delta_Ack_1000() => ResponsePolicy.Delta(_watch1000, _deltaAck, wildcardType: false);

    [Benchmark]
    public ResponseDecision Delta_SubscribeOne_1000() => ResponsePolicy.Delta(_watch1000, _deltaSubscribeOne, wildcardType: false);

    private static string ClusterName(int i) => $"outbound|8080||{Workload.HostName(i)}";

    private static RepeatedField<string> Names(int count)
    {
        var names = new RepeatedField<string>();
        names.AddRange(Enumerable.Range(0, count).Select(ClusterName));
        return names;
    }

    /// <summary>A stream that was sent version <see cref="Version"/> with nonce <see cref="Nonce"/> for count names.</summary>
    private static WatchState Watch(int count)
    {
        var names = Enumerable.Range(0, count).Select(ClusterName).ToList();
        return WatchState.Empty with
        {
            Names = names.ToImmutableHashSet(StringComparer.Ordinal),
            NonceSent = Nonce,
            VersionSent = Version,
            VersionAcked = Version,
            Known = names.ToImmutableSortedDictionary(n => n, n => WatchState.HeldVersion(n, Version), StringComparer.Ordinal),
        };
    }
}
