namespace ProcessGrid.Tests.GenServers;

/// <summary>gen_server's callbacks: init, handle_call, handle_cast, handle_info, terminate.</summary>
public sealed class CallbackTests
{
    /// <summary>Logs every callback; answers calls with its log so far.</summary>
    private sealed class LoggingServer(Inbox events) : GenServer
    {
        private readonly List<string> _log = [];

        protected override async ValueTask InitAsync()
        {
            await Task.Yield(); // A real await: messages that arrive meanwhile must wait for init to finish.
            _log.Add("init");
        }

        protected override ValueTask<object?> HandleCallAsync(object request, CallFrom from)
        {
            _log.Add($"call:{request}");
            return ValueTask.FromResult<object?>(string.Join(" ", _log));
        }

        protected override ValueTask HandleCastAsync(object message)
        {
            if (message is Pid watched)
            {
                Context.Monitor(watched);
                _log.Add("cast:monitor");
                return ValueTask.CompletedTask;
            }
            _log.Add($"cast:{message}");
            return ValueTask.CompletedTask;
        }

        protected override ValueTask HandleInfoAsync(object message)
        {
            if (message is "crash")
            {
                throw new InvalidOperationException("asked to crash");
            }
            if (message is Down down)
            {
                events.Post(down);
            }
            _log.Add($"info:{message}");
            return ValueTask.CompletedTask;
        }

        protected override ValueTask TerminateAsync(ExitReason reason)
        {
            events.Post(("terminate", reason));
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>Traps exits, so that its parent's exit signal reaches TerminateAsync.</summary>
    private sealed class TrappingServer(Inbox events) : GenServer
    {
        protected override ValueTask InitAsync()
        {
            Context.TrapExit = true;
            return ValueTask.CompletedTask;
        }

        protected override ValueTask<object?> HandleCallAsync(object request, CallFrom from) => ValueTask.FromResult<object?>(request);

        protected override ValueTask HandleInfoAsync(object message)
        {
            events.Post(("info", message));
            return ValueTask.CompletedTask;
        }

        protected override ValueTask TerminateAsync(ExitReason reason)
        {
            events.Post(("terminate", reason));
            return ValueTask.CompletedTask;
        }
    }

    [Fact]
    public async Task InitAsync_runs_before_the_first_message_is_handled()
    {
        await using var node = TestNode.Start();
        var server = node.Spawn<LoggingServer>(new Inbox());

        Assert.Equal("init call:first", await node.Call<string>(server, "first").AsTask().Within("the call"));
    }

    [Fact]
    public async Task HandleCallAsync_result_is_the_reply()
    {
        await using var node = TestNode.Start();
        var server = await node.StartAsync<LoggingServer>(new Inbox());

        Assert.Equal("init call:a", await node.Call<string>(server, "a").AsTask().Within("the first call"));
        Assert.Equal("init call:a call:b", await node.Call<string>(server, "b").AsTask().Within("the second call"));
    }

    [Fact]
    public async Task Casts_go_to_HandleCastAsync_and_plain_messages_to_HandleInfoAsync_in_arrival_order()
    {
        await using var node = TestNode.Start();
        var server = await node.StartAsync<LoggingServer>(new Inbox());

        node.Cast(server, "a");
        node.Send(server, "b");
        node.Cast(server, "c");

        Assert.Equal("init cast:a info:b cast:c call:log", await node.Call<string>(server, "log").AsTask().Within("the log"));
    }

    [Fact]
    public async Task Down_messages_go_to_HandleInfoAsync()
    {
        await using var node = TestNode.Start();
        var events = new Inbox();
        var server = await node.StartAsync<LoggingServer>(events);
        var watched = node.Spawn(ctx => ctx.Receive<string>().AsTask());

        node.Cast(server, watched); // The server monitors it from its own callback.
        Assert.Contains("cast:monitor", await node.Call<string>(server, "sync").AsTask().Within("the monitor to be set"));
        node.Exit(watched, ExitReason.Custom("gone"));

        var down = await events.Expect<Down>();
        Assert.Equal(watched, down.Pid);
        Assert.Equal(ExitReason.Custom("gone"), down.Reason);
    }

    [Fact]
    public async Task TerminateAsync_runs_when_a_callback_throws_and_the_server_exits_with_the_exception()
    {
        await using var node = TestNode.Start();
        var events = new Inbox();
        var server = await node.StartAsync<LoggingServer>(events);
        var exited = node.WhenExited(server);

        node.Send(server, "crash");

        var (_, reason) = await events.Expect<(string, ExitReason)>(e => e.Item1 == "terminate");
        Assert.Equal(ExitReasonKind.Exception, reason.Kind);
        Assert.Equal(typeof(InvalidOperationException).FullName, reason.ExceptionType);
        Assert.Equal("asked to crash", reason.Detail);
        Assert.Equal(reason, await exited.Within("the server to exit"));
    }

    [Fact]
    public async Task TerminateAsync_runs_when_the_parent_exits_while_the_server_traps_exits()
    {
        await using var node = TestNode.Start();
        var events = new Inbox();
        var probe = Probe.Spawn(node);
        var parent = node.Spawn(async ctx =>
        {
            var server = await ctx.StartLinkAsync<TrappingServer>(events);
            ctx.Send(probe.Pid, server);
            await ctx.Receive<string>(m => m == "quit");
            ctx.Exit(ExitReason.Custom("parent quit"));
        });
        var server = await probe.Expect<Pid>();
        var serverExited = node.WhenExited(server);

        node.Send(parent, "quit");

        Assert.Equal(("terminate", ExitReason.Custom("parent quit")), await events.Expect<(string, ExitReason)>());
        Assert.Equal(ExitReason.Custom("parent quit"), await serverExited.Within("the server to exit"));
    }

    [Fact]
    public async Task TerminateAsync_runs_on_shutdown_from_outside_for_a_server_started_from_outside_that_traps_exits()
    {
        await using var node = TestNode.Start();
        var events = new Inbox();
        var server = await node.StartAsync<TrappingServer>(events);
        var exited = node.WhenExited(server);

        // Started from outside any process, its parent is the node itself: an exit signal from outside comes from the parent.
        node.Exit(server, ExitReason.Shutdown);

        Assert.Equal(("terminate", ExitReason.Shutdown), await events.Expect<(string, ExitReason)>());
        Assert.Equal(ExitReason.Shutdown, await exited.Within("the server to exit"));
    }

    [Fact]
    public async Task A_trapping_server_gets_exit_signals_from_other_processes_in_HandleInfoAsync_and_carries_on()
    {
        await using var node = TestNode.Start();
        var events = new Inbox();
        var server = await node.StartAsync<TrappingServer>(events);
        var other = node.Spawn(async ctx =>
        {
            ctx.Link(server);
            await ctx.Receive<string>();
            throw new InvalidOperationException("linked process crashed");
        });
        await TestNode.Eventually(() => node.GetProcessInfo(server)!.Links.Contains(other), "the link to exist");

        node.Send(other, "crash now");

        var (_, message) = await events.Expect<(string, object)>(e => e.Item1 == "info");
        var exit = Assert.IsType<Exit>(message);
        Assert.Equal(other, exit.From);
        Assert.Equal("linked process crashed", exit.Reason.Detail);
        Assert.Equal("still here", await node.Call<string>(server, "still here").AsTask().Within("the server to answer"));
    }
}
