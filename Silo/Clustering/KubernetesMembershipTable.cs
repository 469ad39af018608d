using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Runtime;

namespace Mesh.Silo.Clustering;

/// <summary>
/// Orleans' membership table kept in the Kubernetes API: one MeshSilo object per silo and one
/// MeshClusterVersion object per cluster, in one namespace.
/// <para>
/// Concurrency is the API server's optimistic concurrency on metadata.resourceVersion. The table
/// version's etag is the MeshClusterVersion's resourceVersion. A row's etag is a token in its spec
/// (the version object's resourceVersion after the write that last changed the row), not the row's
/// own resourceVersion, because Orleans requires heartbeats to leave row etags valid and a heartbeat
/// is a write. InsertRow and UpdateRow check the row, replace the version object conditionally on
/// the etag Orleans read, then create or conditionally replace the row; losing any step returns
/// false. Kubernetes has no transaction over two objects, so as in Orleans' Redis and Consul tables
/// a writer that wins the version and then loses the row leaves the version bumped (a no-op change
/// Orleans reads past), never a row written on a stale read: of writers that read the same table
/// version, or the same row etag, at most one succeeds.
/// </para>
/// </summary>
public sealed partial class KubernetesMembershipTable : IMembershipTable
{
    /// <summary>The table version before the version object exists. No stored object has resourceVersion "0".</summary>
    private static readonly TableVersion Absent = new(0, "0");

    /// <summary>How often a row write is retried when only heartbeats (which keep the etag) got in between.</summary>
    private const int RowWriteAttempts = 10;

    private readonly MembershipStore _store;
    private readonly string _clusterId;
    private readonly string _versionName;
    private readonly string _selector;
    private readonly ILogger _logger;

    public KubernetesMembershipTable(KubernetesMembershipOptions options, IKubernetes client, TimeProvider time, ILogger<KubernetesMembershipTable> logger)
    {
        _store = new MembershipStore(client, options, time);
        _clusterId = options.ClusterId;
        _versionName = MembershipNames.Cluster(options.ClusterId);
        _selector = MembershipNames.ClusterSelector(options.ClusterId);
        _logger = logger;
    }

    public Task InitializeMembershipTable(bool tryInitTableVersion) => InitializeMembershipTableAsync(tryInitTableVersion, CancellationToken.None);

    public Task DeleteMembershipTableEntries(string clusterId) => DeleteMembershipTableEntriesAsync(clusterId, CancellationToken.None);

    public Task CleanupDefunctSiloEntries(DateTimeOffset beforeDate) => CleanupDefunctSiloEntriesAsync(beforeDate, CancellationToken.None);

    public Task<MembershipTableData> ReadRow(SiloAddress key) => ReadRowAsync(key, CancellationToken.None);

    public Task<MembershipTableData> ReadAll() => ReadAllAsync(CancellationToken.None);

    public Task<bool> InsertRow(MembershipEntry entry, TableVersion tableVersion) => InsertRowAsync(entry, tableVersion, CancellationToken.None);

    public Task<bool> UpdateRow(MembershipEntry entry, string etag, TableVersion tableVersion) => UpdateRowAsync(entry, etag, tableVersion, CancellationToken.None);

    public Task UpdateIAmAlive(MembershipEntry entry) => UpdateIAmAliveAsync(entry, CancellationToken.None);

    /// <summary>
    /// Silos (<paramref name="tryInitTableVersion"/> true) create the version object at version 0
    /// unless it exists; clients only read it, which fails early, with the reason, when the API
    /// server is unreachable or the CRDs are not installed.
    /// </summary>
    public async Task InitializeMembershipTableAsync(bool tryInitTableVersion, CancellationToken cancellationToken)
    {
        if (tryInitTableVersion && await _store.CreateAsync(MembershipKinds.ClusterVersionPlural, VersionObject(0), cancellationToken) is not null)
        {
            LogTableCreated(_logger, _clusterId, _versionName);
            return;
        }
        await ReadVersionAsync(cancellationToken);
    }

    public async Task<MembershipTableData> ReadAllAsync(CancellationToken cancellationToken)
    {
        // The version first: a row changed after it was read makes any write based on this read
        // fail its version check, while the reverse order could pair old rows with a new version.
        var version = await ReadVersionAsync(cancellationToken);
        var rows = await _store.ListSilosAsync(_selector, cancellationToken);
        return new MembershipTableData([.. rows.Select(Member).OfType<Tuple<MembershipEntry, string>>()], version);
    }

    public async Task<MembershipTableData> ReadRowAsync(SiloAddress key, CancellationToken cancellationToken)
    {
        var version = await ReadVersionAsync(cancellationToken);
        var row = await ReadRowObjectAsync(key, cancellationToken);
        return row is not null && Member(row) is { } member ? new MembershipTableData(member, version) : new MembershipTableData(version);
    }

    public async Task<bool> InsertRowAsync(MembershipEntry entry, TableVersion tableVersion, CancellationToken cancellationToken)
    {
        // Checked before the version is bumped so the common refusal leaves no trace; the create
        // below is the check that counts.
        if (await ReadRowObjectAsync(entry.SiloAddress, cancellationToken) is not null)
        {
            LogRowExists(_logger, entry.SiloAddress);
            return false;
        }
        var etag = await BumpVersionAsync(tableVersion, cancellationToken);
        if (etag is null) return false;
        if (await _store.CreateAsync(MembershipKinds.SiloPlural, RowObject(entry, etag), cancellationToken) is null)
        {
            LogRowExists(_logger, entry.SiloAddress);
            return false;
        }
        LogRowWritten(_logger, entry.SiloAddress, entry.Status, tableVersion.Version);
        return true;
    }

    public async Task<bool> UpdateRowAsync(MembershipEntry entry, string etag, TableVersion tableVersion, CancellationToken cancellationToken)
    {
        var row = await ReadRowObjectAsync(entry.SiloAddress, cancellationToken);
        if (!HasEtag(row, etag))
        {
            LogRowEtagMismatch(_logger, entry.SiloAddress, etag, row?.Spec?.Etag);
            return false;
        }
        var newEtag = await BumpVersionAsync(tableVersion, cancellationToken);
        if (newEtag is null) return false;
        for (var attempt = 1; ; attempt++)
        {
            var next = RowObject(entry, newEtag);
            next.Metadata.ResourceVersion = row!.Metadata.ResourceVersion;
            // A heartbeat can land between Orleans' read and this write; its time is kept rather than
            // rolled back to the older time the entry carries, so a busy row never looks less alive.
            if (MembershipEntryMapping.TryParseTime(row.Spec!.IAmAliveTime) > MembershipEntryMapping.TryParseTime(next.Spec!.IAmAliveTime))
                next.Spec = next.Spec with { IAmAliveTime = row.Spec.IAmAliveTime };
            var (outcome, _) = await _store.ReplaceAsync(MembershipKinds.SiloPlural, next, cancellationToken);
            if (outcome == WriteOutcome.Done)
            {
                LogRowWritten(_logger, entry.SiloAddress, entry.Status, tableVersion.Version);
                return true;
            }
            // 409: a heartbeat (etag kept: write again over it) or another writer (etag changed: lost).
            row = outcome == WriteOutcome.Conflict ? await ReadRowObjectAsync(entry.SiloAddress, cancellationToken) : null;
            if (!HasEtag(row, etag) || attempt == RowWriteAttempts)
            {
                LogRowEtagMismatch(_logger, entry.SiloAddress, etag, row?.Spec?.Etag);
                return false;
            }
        }
    }

    /// <summary>Writes the heartbeat time alone: the row's etag and the table version stay as they are.</summary>
    public async Task UpdateIAmAliveAsync(MembershipEntry entry, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var row = await ReadRowObjectAsync(entry.SiloAddress, cancellationToken)
                ?? throw new KubernetesMembershipException($"No {MembershipKinds.SiloKind} {RowName(entry.SiloAddress)} in namespace {_store.Namespace} for silo {entry.SiloAddress}: its membership row was deleted");
            row.Spec = row.Spec! with { IAmAliveTime = MembershipEntryMapping.Format(entry.IAmAliveTime) };
            var (outcome, _) = await _store.ReplaceAsync(MembershipKinds.SiloPlural, row, cancellationToken);
            if (outcome == WriteOutcome.Done) return;
            if (outcome == WriteOutcome.Missing || attempt == RowWriteAttempts)
                throw new KubernetesMembershipException($"The heartbeat of silo {entry.SiloAddress} could not be written to {MembershipKinds.SiloKind} {RowName(entry.SiloAddress)}: {(outcome == WriteOutcome.Missing ? "the row was deleted" : $"changed by others {attempt} times in a row")}");
        }
    }

    /// <summary>Deletes every row and the version object of <paramref name="clusterId"/> (any cluster in this namespace, not only ours).</summary>
    public async Task DeleteMembershipTableEntriesAsync(string clusterId, CancellationToken cancellationToken)
    {
        var rows = await _store.ListSilosAsync(MembershipNames.ClusterSelector(clusterId), cancellationToken);
        var deleted = 0;
        foreach (var row in rows.Where(r => r.Spec?.ClusterId == clusterId))
            if (await _store.DeleteAsync(MembershipKinds.SiloPlural, row.Metadata.Name, null, cancellationToken) == WriteOutcome.Done) deleted++;
        var versionName = MembershipNames.Cluster(clusterId);
        var version = await _store.GetAsync<MeshClusterVersionResource>(MembershipKinds.ClusterVersionPlural, versionName, cancellationToken);
        if (version?.Spec?.ClusterId == clusterId) await _store.DeleteAsync(MembershipKinds.ClusterVersionPlural, versionName, null, cancellationToken);
        LogClusterDeleted(_logger, clusterId, deleted);
    }

    /// <summary>
    /// Deletes Dead rows whose last update (start, heartbeat or a suspicion vote) is before
    /// <paramref name="beforeDate"/>, each only if unchanged since it was read. Other statuses are
    /// kept whatever their age, and the table version is not bumped: as Orleans' own tables do.
    /// </summary>
    public async Task CleanupDefunctSiloEntriesAsync(DateTimeOffset beforeDate, CancellationToken cancellationToken)
    {
        var rows = await _store.ListSilosAsync(_selector, cancellationToken);
        var deleted = 0;
        foreach (var row in rows)
        {
            if (Member(row) is not { } member || member.Item1.Status != SiloStatus.Dead) continue;
            if (MembershipEntryMapping.LastUpdate(member.Item1) >= beforeDate.UtcDateTime) continue;
            if (await _store.DeleteAsync(MembershipKinds.SiloPlural, row.Metadata.Name, row.Metadata.ResourceVersion, cancellationToken) == WriteOutcome.Done) deleted++;
        }
        if (deleted > 0) LogDefunctDeleted(_logger, deleted, beforeDate);
    }

    private async Task<TableVersion> ReadVersionAsync(CancellationToken cancellationToken)
    {
        var version = await _store.GetAsync<MeshClusterVersionResource>(MembershipKinds.ClusterVersionPlural, _versionName, cancellationToken);
        if (version is null) return Absent;
        if (version.Spec?.ClusterId != _clusterId)
            throw new KubernetesMembershipException(
                $"{MembershipKinds.ClusterVersionKind} {_versionName} in namespace {_store.Namespace} belongs to cluster '{version.Spec?.ClusterId}', not '{_clusterId}'");
        return new TableVersion(version.Spec.Version, version.Metadata.ResourceVersion);
    }

    /// <summary>
    /// Moves the version object from the etag Orleans read to its new version; the new etag, or
    /// null when another writer moved it first (or, for an absent object, created it first).
    /// </summary>
    private async Task<string?> BumpVersionAsync(TableVersion tableVersion, CancellationToken cancellationToken)
    {
        var next = VersionObject(tableVersion.Version);
        MeshClusterVersionResource? written;
        if (tableVersion.VersionEtag == Absent.VersionEtag)
            written = await _store.CreateAsync(MembershipKinds.ClusterVersionPlural, next, cancellationToken);
        else
        {
            next.Metadata.ResourceVersion = tableVersion.VersionEtag;
            (_, written) = await _store.ReplaceAsync(MembershipKinds.ClusterVersionPlural, next, cancellationToken);
        }
        if (written is null) LogVersionConflict(_logger, tableVersion.VersionEtag, tableVersion.Version);
        return written?.Metadata.ResourceVersion;
    }

    private Task<MeshSiloResource?> ReadRowObjectAsync(SiloAddress silo, CancellationToken cancellationToken) =>
        _store.GetAsync<MeshSiloResource>(MembershipKinds.SiloPlural, RowName(silo), cancellationToken);

    private bool HasEtag(MeshSiloResource? row, string etag) => row?.Spec is { } spec && spec.ClusterId == _clusterId && spec.Etag == etag;

    private Tuple<MembershipEntry, string>? Member(MeshSiloResource row)
    {
        // Another cluster whose slug matches ours (a hash collision) is not ours to read.
        if (row.Spec is not { } spec || spec.ClusterId != _clusterId) return null;
        if (MembershipEntryMapping.ToEntry(spec) is { } entry) return Tuple.Create(entry, spec.Etag);
        LogDamagedRow(_logger, row.Metadata.Name, _store.Namespace);
        return null;
    }

    private string RowName(SiloAddress silo) => MembershipNames.Silo(_clusterId, silo);

    private MeshSiloResource RowObject(MembershipEntry entry, string etag) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = RowName(entry.SiloAddress),
            NamespaceProperty = _store.Namespace,
            Labels = new Dictionary<string, string> { [MembershipKinds.ClusterLabel] = _versionName },
        },
        Spec = MembershipEntryMapping.ToSpec(_clusterId, entry, etag),
    };

    private MeshClusterVersionResource VersionObject(int version) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = _versionName,
            NamespaceProperty = _store.Namespace,
            Labels = new Dictionary<string, string> { [MembershipKinds.ClusterLabel] = _versionName },
        },
        Spec = new MeshClusterVersionSpec(_clusterId, version),
    };
}
