using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Mesh.SidecarBench;

/// <summary>
/// Sleeps until an absolute Stopwatch timestamp with microsecond precision and without spinning:
/// clock_nanosleep on CLOCK_MONOTONIC (the clock Stopwatch reads on Linux) with the thread's timer
/// slack cut from the default 50 µs to 1 µs. .NET's own sleeps and timers round to milliseconds,
/// a whole request interval at 1,000 rps; spinning instead would take a core from what is measured.
/// </summary>
public static partial class Pacer
{
    private const int ClockMonotonic = 1;
    private const int TimerAbsTime = 1;
    private const int PrSetTimerSlack = 29;
    private const long NanosPerSecond = 1_000_000_000;

    public static bool Precise { get; } = OperatingSystem.IsLinux() && Stopwatch.Frequency == NanosPerSecond;

    /// <summary>Call once on the pacing thread.</summary>
    public static void UseFineTimerSlack()
    {
        if (Precise) _ = prctl(PrSetTimerSlack, 1, 0, 0, 0);
    }

    public static void SleepUntil(long timestamp)
    {
        var now = Stopwatch.GetTimestamp();
        if (timestamp <= now) return;
        if (!Precise)
        {
            Thread.Sleep(TimeSpan.FromTicks((timestamp - now) * TimeSpan.TicksPerSecond / Stopwatch.Frequency));
            return;
        }
        var deadline = new Timespec(timestamp / NanosPerSecond, timestamp % NanosPerSecond);
        // EINTR (a signal) returns early: sleep again toward the same absolute deadline.
        while (clock_nanosleep(ClockMonotonic, TimerAbsTime, ref deadline, IntPtr.Zero) != 0 && Stopwatch.GetTimestamp() < timestamp) { }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec(long seconds, long nanoseconds)
    {
        public long Seconds = seconds;
        public long Nanoseconds = nanoseconds;
    }

    [LibraryImport("libc", SetLastError = false)]
    private static partial int clock_nanosleep(int clock, int flags, ref Timespec request, IntPtr remain);

    [LibraryImport("libc", SetLastError = false)]
    private static partial int prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);
}
