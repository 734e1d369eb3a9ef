namespace ProcessGrid.Tests.Crashes;

/// <summary>A process that throws: it ends with the exception as its reason, its links and monitors fire, and the node carries on.</summary>
public sealed class CrashTests
{
    private sealed class Unlucky : GenServer
    {
        protected override ValueTask HandleCastAsync(object message) => throw new TimeoutException($"unlucky {message}");

        protected override ValueTask<object?> HandleCallAsync(object request, CallFrom from) => ValueTask.FromResult<object?>(request);
    }

    private static Pid SpawnCrashOnRequest(IProcessGrid node) => node.Spawn(async ctx =>
    {
        await ctx.Receive<string>(m => m == "crash");
        throw new FormatException("bad format");
    });

    [Fact]
    public async Task A_process_that_throws_exits_with_reason_Exception_carrying_type_and_message()
    {
        await using var node = TestNode.Start();
        var pid = SpawnCrashOnRequest(node);
        var exited = node.WhenExited(pid);

        node.Send(pid, "crash");

        var reason = await exited.Within("the process to exit");
        Assert.Equal(ExitReasonKind.Exception, reason.Kind);
        Assert.Equal(typeof(FormatException).FullName, reason.ExceptionType);
        Assert.Equal("bad format", reason.Detail);
        Assert.IsType<FormatException>(reason.Exception);
        Assert.Equal(ExitReason.FromException(typeof(FormatException).FullName!, "bad format"), reason);
    }

    [Fact]
    public async Task A_GenServer_whose_callback_throws_exits_with_reason_Exception()
    {
        await using var node = TestNode.Start();
        var server = await node.StartAsync<Unlucky>();
        var exited = node.WhenExited(server);

        node.Cast(server, 13);

        var reason = await exited.Within("the server to exit");
        Assert.Equal(typeof(TimeoutException).FullName, reason.ExceptionType);
        Assert.Equal("unlucky 13", reason.Detail);
    }

    [Fact]
    public async Task A_crash_fires_the_links_and_monitors_of_the_process()
    {
        await using var node = TestNode.Start();
        var linkedProbe = await Probe.SpawnTrappingExits(node);
        var monitoringProbe = Probe.Spawn(node);
        var pid = SpawnCrashOnRequest(node);
        await linkedProbe.Run(ctx => ctx.Link(pid));
        var monitor = await monitoringProbe.Run(ctx => ctx.Monitor(pid));

        node.Send(pid, "crash");

        var exit = await linkedProbe.Expect<Exit>();
        var down = await monitoringProbe.Expect<Down>();
        Assert.Equal(pid, exit.From);
        Assert.Equal(typeof(FormatException).FullName, exit.Reason.ExceptionType);
        Assert.Equal(new Down(monitor, pid, exit.Reason), down);
    }

    [Fact]
    public async Task The_node_carries_on_after_processes_crash()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var bystander = await node.StartAsync<Unlucky>();
        var crashers = Enumerable.Range(0, 20).Select(_ => SpawnCrashOnRequest(node)).ToList();
        var exits = crashers.Select(node.WhenExited).ToList();

        crashers.ForEach(pid => node.Send(pid, "crash"));
        await Task.WhenAll(exits).Within("every crasher to exit");

        Assert.Equal("still serving", await node.Call<string>(bystander, "still serving").AsTask().Within("the bystander's reply"));
        node.Spawn(ctx =>
        {
            ctx.Send(probe.Pid, "new processes run");
            return Task.CompletedTask;
        });
        await probe.ExpectNext("new processes run");
        Assert.All(crashers, pid => Assert.DoesNotContain(pid, node.Processes()));
    }
}
