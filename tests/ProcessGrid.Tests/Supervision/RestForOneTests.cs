using static ProcessGrid.Tests.Supervision.LifecycleExpectations;

namespace ProcessGrid.Tests.Supervision;

/// <summary><c>rest_for_one</c>: the children started after the one that exited are terminated, then it and they restart.</summary>
public sealed class RestForOneTests
{
    [Fact]
    public async Task A_crash_restarts_the_child_and_those_started_after_it()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var sup = await node.StartSupervisorAsync(new SupervisorSpec(RestartStrategy.RestForOne,
            [Worker("a", probe), Worker("b", probe), Worker("c", probe), Worker("d", probe)]));
        var a = await probe.ExpectStarted("a");
        var b = await probe.ExpectStarted("b");
        await probe.ExpectStarted("c");
        await probe.ExpectStarted("d");

        node.Cast(b.Pid, new StopWith(Crash));

        await probe.ExpectTerminated("b", Crash);
        await probe.ExpectTerminated("d", ExitReason.Shutdown);
        await probe.ExpectTerminated("c", ExitReason.Shutdown);
        var b2 = await probe.ExpectStarted("b");
        var c2 = await probe.ExpectStarted("c");
        var d2 = await probe.ExpectStarted("d");
        Assert.Equal([a.Pid, b2.Pid, c2.Pid, d2.Pid], (await node.WhichChildrenAsync(sup)).Select(child => child.Pid));
        // "a", started before "b", was not touched.
        node.Send(probe.Pid, "marker");
        await probe.ExpectOnly("marker");
    }

    [Fact]
    public async Task A_crash_of_the_last_child_restarts_only_it()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var sup = await node.StartSupervisorAsync(new SupervisorSpec(RestartStrategy.RestForOne,
            [Worker("a", probe), Worker("b", probe)]));
        var a = await probe.ExpectStarted("a");
        var b = await probe.ExpectStarted("b");

        node.Cast(b.Pid, new StopWith(Crash));

        await probe.ExpectTerminated("b", Crash);
        var b2 = await probe.ExpectStarted("b");
        Assert.Equal([a.Pid, b2.Pid], (await node.WhichChildrenAsync(sup)).Select(child => child.Pid));
        node.Send(probe.Pid, "marker");
        await probe.ExpectOnly("marker");
    }

    [Fact]
    public async Task A_failed_restart_is_retried_from_the_child_that_failed()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var startSwitch = new StartSwitch();
        var sup = await node.StartSupervisorAsync(new SupervisorSpec(RestartStrategy.RestForOne,
            [Worker("a", probe), ChildSpec.Worker<FlakyWorker>("f", "f", probe.Pid, startSwitch), Worker("c", probe)]) { Period = TimeSpan.FromHours(1), Intensity = 5 });
        var a = await probe.ExpectStarted("a");
        var f = await probe.ExpectStarted("f");
        await probe.ExpectStarted("c");

        startSwitch.FailNext(1);
        node.Cast(f.Pid, new StopWith(Crash));

        await probe.ExpectTerminated("f", Crash);
        await probe.ExpectTerminated("c", ExitReason.Shutdown);
        var f2 = await probe.ExpectStarted("f");
        var c2 = await probe.ExpectStarted("c");
        Assert.Equal([a.Pid, f2.Pid, c2.Pid], (await node.WhichChildrenAsync(sup)).Select(child => child.Pid));
        // Two start attempts for "f" (the failed one and the retry), after its first start; "a" was not touched.
        for (var attempt = 0; attempt < 3; attempt++)
        {
            await probe.Expect<InitAttempt>();
        }
        node.Send(probe.Pid, "marker");
        await probe.ExpectOnly("marker");
    }
}
