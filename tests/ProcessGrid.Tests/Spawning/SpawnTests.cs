using Microsoft.Extensions.DependencyInjection;

namespace ProcessGrid.Tests.Spawning;

/// <summary>spawn, spawn_link, spawn_monitor, and gen_server:start/start_link: how processes come to life.</summary>
public sealed class SpawnTests
{
    /// <summary>A service the node provides to process classes through their constructors.</summary>
    public sealed class Greeter
    {
        public string Greet(string name) => $"hello, {name}";
    }

    private sealed class GreetingProcess(Greeter greeter, Pid reportTo, string name) : GridProcess
    {
        protected override Task RunAsync(IProcessContext ctx)
        {
            ctx.Send(reportTo, greeter.Greet(name));
            return Task.CompletedTask;
        }
    }

    private sealed class GreetingServer(Greeter greeter, string name) : GenServer
    {
        protected override ValueTask<object?> HandleCallAsync(object request, CallFrom from) =>
            ValueTask.FromResult<object?>(greeter.Greet(name) + " / " + request);
    }

    private sealed class CrashingProcess : GridProcess
    {
        protected override Task RunAsync(IProcessContext ctx) => throw new InvalidOperationException("crashed at once");
    }

    /// <summary>Reports that its init started, then finishes init only when the gate opens.</summary>
    private sealed class GatedInitServer(Inbox events, TaskCompletionSource gate) : GenServer
    {
        protected override async ValueTask InitAsync()
        {
            events.Post("init started");
            await gate.Task;
            events.Post("init finished");
        }
    }

    private sealed class FailingInitServer(Inbox events) : GenServer
    {
        protected override ValueTask InitAsync()
        {
            events.Post(Self);
            throw new InvalidOperationException("init refused");
        }
    }

    private sealed class FailingInitServerNoArgs : GenServer
    {
        protected override ValueTask InitAsync() => throw new InvalidOperationException("init refused");
    }

    [Fact]
    public async Task Spawn_of_an_async_function_runs_it_in_a_new_process_that_exits_normal_when_it_returns()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);

        var pid = node.Spawn(async ctx =>
        {
            ctx.Send(probe.Pid, ("self", ctx.Self));
            await ctx.Receive<string>(m => m == "return");
        });

        var (_, self) = await probe.Expect<(string, Pid)>();
        Assert.Equal(pid, self);
        var exited = node.WhenExited(pid);
        node.Send(pid, "return");
        Assert.Equal(ExitReason.Normal, await exited.Within("the function process to exit"));
    }

    [Fact]
    public async Task Spawn_of_a_GridProcess_builds_it_with_constructor_arguments_and_services()
    {
        await using var node = TestNode.Start(services: TestNode.Services(s => s.AddSingleton<Greeter>()));
        var probe = Probe.Spawn(node);

        node.Spawn<GreetingProcess>(probe.Pid, "alice");

        Assert.Equal("hello, alice", await probe.Expect<string>());
    }

    [Fact]
    public async Task Spawn_of_a_GenServer_builds_it_with_constructor_arguments_and_services()
    {
        await using var node = TestNode.Start(services: TestNode.Services(s => s.AddSingleton<Greeter>()));

        var pid = node.Spawn<GreetingServer>("bob");

        Assert.Equal("hello, bob / hi", await node.Call<string>(pid, "hi").AsTask().Within("the call"));
    }

    [Fact]
    public async Task Spawn_of_a_class_the_arguments_do_not_fit_fails_at_spawn()
    {
        await using var node = TestNode.Start();
        var before = node.Processes(); // The node's kernel services.

        // GreetingServer needs a Greeter service, which this node does not have.
        Assert.Throws<ArgumentException>(() => node.Spawn<GreetingServer>("bob"));
        Assert.Equal(before, node.Processes());
    }

    [Fact]
    public async Task Spawn_from_a_process_makes_it_the_parent()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);

        var parent = node.Spawn(ctx =>
        {
            ctx.Spawn(child =>
            {
                child.Send(probe.Pid, ("parent", child.Parent));
                return Task.CompletedTask;
            });
            return ctx.Receive<string>().AsTask(); // Stay alive until the test ends.
        });

        var (_, reportedParent) = await probe.Expect<(string, Pid?)>();
        Assert.Equal(parent, reportedParent);
    }

    [Fact]
    public async Task SpawnLink_from_a_process_links_before_the_child_runs_so_an_immediate_crash_reaches_the_parent()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);

        node.Spawn(async ctx =>
        {
            ctx.TrapExit = true;
            var child = ctx.SpawnLink(_ => throw new InvalidOperationException("crashed at once"));
            var exit = await ctx.Receive<Exit>();
            ctx.Send(probe.Pid, (child, exit));
        });

        var (child, exit) = await probe.Expect<(Pid, Exit)>();
        Assert.Equal(child, exit.From);
        // Not noproc: the link existed before the child could crash.
        Assert.Equal(ExitReasonKind.Exception, exit.Reason.Kind);
        Assert.Equal("crashed at once", exit.Reason.Detail);
    }

    [Fact]
    public async Task SpawnLink_of_a_class_from_a_process_links_before_the_child_runs()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);

        node.Spawn(async ctx =>
        {
            ctx.TrapExit = true;
            var child = ctx.SpawnLink<CrashingProcess>();
            var exit = await ctx.Receive<Exit>();
            ctx.Send(probe.Pid, (child, exit));
        });

        var (child, exit) = await probe.Expect<(Pid, Exit)>();
        Assert.Equal(child, exit.From);
        Assert.Equal(typeof(InvalidOperationException).FullName, exit.Reason.ExceptionType);
    }

    [Fact]
    public async Task SpawnMonitor_from_a_process_monitors_before_the_child_runs_so_an_immediate_crash_gives_its_reason()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);

        node.Spawn(async ctx =>
        {
            var (child, monitor) = ctx.SpawnMonitor(_ => throw new InvalidOperationException("crashed at once"));
            var down = await ctx.Receive<Down>();
            ctx.Send(probe.Pid, (child, monitor, down));
        });

        var (child, monitor, down) = await probe.Expect<(Pid, MonitorRef, Down)>();
        Assert.Equal(monitor, down.Ref);
        Assert.Equal(child, down.Pid);
        // Not noproc: the monitor existed before the child could crash.
        Assert.Equal(ExitReasonKind.Exception, down.Reason.Kind);
        Assert.Equal("crashed at once", down.Reason.Detail);
    }

    [Fact]
    public async Task SpawnMonitor_of_a_class_from_a_process_monitors_before_the_child_runs()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);

        node.Spawn(async ctx =>
        {
            var (child, monitor) = ctx.SpawnMonitor<CrashingProcess>();
            var down = await ctx.Receive<Down>();
            ctx.Send(probe.Pid, (child, monitor, down));
        });

        var (child, monitor, down) = await probe.Expect<(Pid, MonitorRef, Down)>();
        Assert.Equal(monitor, down.Ref);
        Assert.Equal(child, down.Pid);
        Assert.Equal(typeof(InvalidOperationException).FullName, down.Reason.ExceptionType);
    }

    [Fact]
    public async Task StartAsync_returns_only_after_InitAsync_has_finished()
    {
        await using var node = TestNode.Start();
        var events = new Inbox();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var start = node.StartAsync<GatedInitServer>(events, gate).AsTask();

        await events.ExpectNext("init started");
        Assert.False(start.IsCompleted, "StartAsync completed while InitAsync was still running.");
        gate.SetResult();
        var pid = await start.Within("StartAsync");
        await events.ExpectNext("init finished");
        Assert.NotNull(node.GetProcessInfo(pid));
    }

    [Fact]
    public async Task StartAsync_throws_ProcessStartException_when_InitAsync_throws_and_the_process_is_gone()
    {
        await using var node = TestNode.Start();
        var events = new Inbox();

        var error = await Assert.ThrowsAsync<ProcessStartException>(
            () => node.StartAsync<FailingInitServer>(new SpawnOptions { Name = "failing" }, events).AsTask().Within("StartAsync"));

        Assert.Equal(ExitReasonKind.Exception, error.Reason.Kind);
        Assert.Equal(typeof(InvalidOperationException).FullName, error.Reason.ExceptionType);
        Assert.Equal("init refused", error.Reason.Detail);
        Assert.Contains(nameof(FailingInitServer), error.ProcessType);
        var pid = await events.Expect<Pid>();
        // Gone by the time the start fails (as gen_server:start does since OTP 26), so a retry can take the name.
        Assert.Null(node.GetProcessInfo(pid));
        Assert.DoesNotContain(pid, node.Processes());
        Assert.Null(node.Whereis("failing"));
    }

    [Fact]
    public async Task StartLinkAsync_with_a_failing_init_throws_and_does_not_kill_a_caller_that_does_not_trap_exits()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);

        var caller = node.Spawn(async ctx =>
        {
            try
            {
                await ctx.StartLinkAsync<FailingInitServerNoArgs>();
                ctx.Send(probe.Pid, "started?");
            }
            catch (ProcessStartException e)
            {
                ctx.Send(probe.Pid, e);
            }
            while (true)
            {
                var from = await ctx.Receive<Pid>();
                ctx.Send(from, "still alive");
            }
        });

        var error = await probe.Expect<ProcessStartException>();
        Assert.Equal("init refused", error.Reason.Detail);
        node.Send(caller, probe.Pid);
        await probe.ExpectNext("still alive");
        Assert.Empty(node.GetProcessInfo(caller)!.Links);
    }

    [Fact]
    public async Task StartLinkAsync_links_the_started_server_to_the_caller()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gate.SetResult();

        node.Spawn(async ctx =>
        {
            ctx.TrapExit = true;
            var server = await ctx.StartLinkAsync<GatedInitServer>(new Inbox(), gate);
            ctx.Send(probe.Pid, server);
            ctx.Send(probe.Pid, await ctx.Receive<Exit>());
        });

        var server = await probe.Expect<Pid>();
        node.Exit(server, ExitReason.Custom("boom"));
        Assert.Equal(new Exit(server, ExitReason.Custom("boom")), await probe.Expect<Exit>());
    }
}
