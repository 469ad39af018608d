namespace Mesh.Proxy.LoadBalancing;

/// <summary>
/// Envoy's split of traffic across priority levels. A level's health is its healthy share of hosts
/// times the overprovisioning factor (1.4), capped at 100; levels take load in order, each as much
/// as its health allows of what is left, normalized when the levels together are below 100. A level
/// whose healthy share is under the panic threshold, while the total is below 100, is in panic: its
/// load goes to all its hosts, healthy or not.
/// </summary>
internal sealed record PriorityLoad(int[] Loads, bool[] Panic)
{
    public const int OverprovisioningFactor = 140;

    /// <summary>Envoy's default healthy_panic_threshold (Istio sends 0 with outlier detection).</summary>
    public const double DefaultPanicThreshold = 50;

    /// <summary>No level can take traffic (every host unhealthy and panic disabled): 503 UH.</summary>
    public bool None => Array.TrueForAll(Loads, l => l == 0);

    /// <param name="healthy">Healthy hosts per level, lowest priority number first.</param>
    /// <param name="total">All hosts per level.</param>
    public static PriorityLoad Compute(ReadOnlySpan<int> healthy, ReadOnlySpan<int> total, double panicThreshold)
    {
        var levels = total.Length;
        var loads = new int[levels];
        var panic = new bool[levels];
        if (levels == 0) return new PriorityLoad(loads, panic);
        var health = new int[levels];
        var sum = 0;
        for (var i = 0; i < levels; i++)
        {
            health[i] = total[i] == 0 ? 0 : (int)Math.Min(100L, (long)OverprovisioningFactor * healthy[i] / total[i]);
            sum += health[i];
        }
        var normalized = Math.Min(100, sum);
        if (normalized == 0)
        {
            // Nothing healthy anywhere: with a panic threshold everything goes to P0's hosts as they are.
            if (panicThreshold > 0)
            {
                loads[0] = 100;
                panic[0] = true;
            }
            return new PriorityLoad(loads, panic);
        }

        var left = 100;
        var first = -1;
        for (var i = 0; i < levels; i++)
        {
            if (health[i] > 0 && first < 0) first = i;
            loads[i] = Math.Min(left, health[i] * 100 / normalized);
            left -= loads[i];
        }
        if (left > 0) loads[first] += left;

        // Never panic at 100% total health, however unhealthy one level is: the others absorb it.
        var allPanic = true;
        for (var i = 0; i < levels; i++)
        {
            panic[i] = normalized < 100 && (total[i] == 0 || 100.0 * healthy[i] / total[i] < panicThreshold);
            allPanic &= panic[i];
        }
        if (allPanic) InTotalPanic(loads, total);
        return new PriorityLoad(loads, panic);
    }

    /// <summary>Every level in panic: load in proportion to each level's hosts.</summary>
    private static void InTotalPanic(int[] loads, ReadOnlySpan<int> total)
    {
        var hosts = 0;
        foreach (var t in total) hosts += t;
        var left = 100;
        var first = -1;
        for (var i = 0; i < loads.Length; i++)
        {
            loads[i] = hosts == 0 ? 0 : 100 * total[i] / hosts;
            left -= loads[i];
            if (first < 0 && total[i] > 0) first = i;
        }
        loads[Math.Max(first, 0)] += left;
    }

    /// <summary>The level a draw in [0, 100) falls in; -1 when no level takes load.</summary>
    public int Choose(int draw)
    {
        var cumulative = 0;
        for (var i = 0; i < Loads.Length; i++)
        {
            cumulative += Loads[i];
            if (draw < cumulative) return i;
        }
        return -1;
    }

    /// <summary>
    /// Envoy's effective locality weight: load_balancing_weight × the locality's health (healthy
    /// share × overprovisioning, capped at 100%), so a locality losing hosts sheds load to the others.
    /// </summary>
    public static double EffectiveLocalityWeight(uint weight, int healthy, int total) =>
        total == 0 ? 0 : weight * Math.Min(1.0, OverprovisioningFactor / 100.0 * healthy / total);
}
