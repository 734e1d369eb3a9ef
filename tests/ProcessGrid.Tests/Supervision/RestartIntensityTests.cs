using static ProcessGrid.Tests.Supervision.LifecycleExpectations;

namespace ProcessGrid.Tests.Supervision;

/// <summary>
/// Restart intensity: more than Intensity restarts within Period make the supervisor terminate its children (in
/// reverse order) and exit with <c>shutdown</c>; failed restarts are retried and count too. The periods are long, so
/// that every restart of a test falls inside one window whatever the machine's speed.
/// </summary>
public sealed class RestartIntensityTests
{
    private static readonly TimeSpan LongPeriod = TimeSpan.FromHours(1);

    [Fact]
    public async Task Past_the_intensity_the_supervisor_stops_its_children_in_reverse_order_and_exits_with_shutdown()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var sup = await node.StartSupervisorAsync(new SupervisorSpec(RestartStrategy.OneForOne,
            [Worker("a", probe), Worker("b", probe), Worker("c", probe)]) { Intensity = 2, Period = LongPeriod });
        await probe.ExpectStarted("a");
        var b = await probe.ExpectStarted("b");
        await probe.ExpectStarted("c");
        var exited = node.WhenExited(sup);

        for (var restart = 1; restart <= 2; restart++)
        {
            node.Cast(b.Pid, new StopWith(Crash));
            await probe.ExpectTerminated("b", Crash);
            b = await probe.ExpectStarted("b");
        }
        node.Cast(b.Pid, new StopWith(Crash));

        await probe.ExpectTerminated("b", Crash);
        await probe.ExpectTerminated("c", ExitReason.Shutdown);
        await probe.ExpectTerminated("a", ExitReason.Shutdown);
        Assert.Equal(ExitReason.Shutdown, await exited.Within("the supervisor to give up"));
        node.Send(probe.Pid, "marker");
        await probe.ExpectOnly("marker");
    }

    [Fact]
    public async Task With_intensity_zero_the_first_exit_that_needs_a_restart_stops_the_supervisor()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var sup = await node.StartSupervisorAsync(new SupervisorSpec(RestartStrategy.OneForOne,
            [Worker("a", probe), Worker("b", probe)]) { Intensity = 0, Period = LongPeriod });
        var a = await probe.ExpectStarted("a");
        await probe.ExpectStarted("b");
        var exited = node.WhenExited(sup);

        node.Cast(a.Pid, new StopWith(Crash));

        await probe.ExpectTerminated("a", Crash);
        await probe.ExpectTerminated("b", ExitReason.Shutdown);
        Assert.Equal(ExitReason.Shutdown, await exited.Within("the supervisor to give up"));
    }

    [Fact]
    public async Task A_failed_restart_is_retried_until_the_child_starts()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var startSwitch = new StartSwitch();
        var sup = await node.StartSupervisorAsync(new SupervisorSpec(RestartStrategy.OneForOne,
            [ChildSpec.Worker<FlakyWorker>("f", "f", probe.Pid, startSwitch)]) { Intensity = 5, Period = LongPeriod });
        await probe.Expect<InitAttempt>();
        var first = await probe.ExpectStarted("f");

        startSwitch.FailNext(2);
        node.Cast(first.Pid, new StopWith(Crash));

        await probe.ExpectTerminated("f", Crash);
        await probe.Expect<InitAttempt>();
        await probe.Expect<InitAttempt>();
        await probe.Expect<InitAttempt>();
        var restarted = await probe.ExpectStarted("f");
        Assert.Equal([new ChildInfo("f", restarted.Pid, ChildType.Worker, false)], await node.WhichChildrenAsync(sup));
        node.Send(probe.Pid, "marker");
        await probe.ExpectOnly("marker");
    }

    [Fact]
    public async Task Failed_restarts_count_against_the_intensity()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var startSwitch = new StartSwitch();
        var sup = await node.StartSupervisorAsync(new SupervisorSpec(RestartStrategy.OneForOne,
            [Worker("a", probe), ChildSpec.Worker<FlakyWorker>("f", "f", probe.Pid, startSwitch)]) { Intensity = 3, Period = LongPeriod });
        await probe.ExpectStarted("a");
        await probe.Expect<InitAttempt>();
        var first = await probe.ExpectStarted("f");
        var exited = node.WhenExited(sup);

        startSwitch.FailNext(int.MaxValue);
        node.Cast(first.Pid, new StopWith(Crash));

        await probe.ExpectTerminated("f", Crash);
        // Three restarts are allowed and all three fail; the fourth would exceed the intensity.
        await probe.Expect<InitAttempt>();
        await probe.Expect<InitAttempt>();
        await probe.Expect<InitAttempt>();
        await probe.ExpectTerminated("a", ExitReason.Shutdown);
        Assert.Equal(ExitReason.Shutdown, await exited.Within("the supervisor to give up"));
        node.Send(probe.Pid, "marker");
        await probe.ExpectOnly("marker");
    }

    [Fact]
    public void Restarts_older_than_the_period_no_longer_count()
    {
        var clock = new ManualClock();
        var intensity = new RestartIntensity(2, TimeSpan.FromSeconds(5), clock);

        Assert.True(intensity.TryAdd());
        clock.Advance(TimeSpan.FromSeconds(3));
        Assert.True(intensity.TryAdd());
        clock.Advance(TimeSpan.FromSeconds(3)); // The first restart is now 6 s old: out of the window.
        Assert.True(intensity.TryAdd());
        Assert.False(intensity.TryAdd()); // Three within 5 s.
    }

    [Fact]
    public void Restarts_exactly_one_period_apart_are_in_the_same_window()
    {
        var clock = new ManualClock();
        var intensity = new RestartIntensity(1, TimeSpan.FromSeconds(5), clock);

        Assert.True(intensity.TryAdd());
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.False(intensity.TryAdd());
    }

    /// <summary>A clock that moves only when told.</summary>
    private sealed class ManualClock : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
