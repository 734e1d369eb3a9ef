namespace ProcessGrid.Tests.Cluster;

/// <summary>
/// <c>gen_server:call</c> to a process on another node: the reply, or a typed error that comes as soon as the outcome
/// is known (noproc, the callee's exception or exit reason, nodedown), and a timeout only when nothing can be known.
/// </summary>
public sealed class RemoteCallTests
{
    /// <summary>Long enough that a call failing by timeout instead of at once fails its test's deadline first.</summary>
    private static readonly TimeSpan LongerThanAnyTest = TimeSpan.FromMinutes(5);

    public sealed record Who;

    public sealed record Defer;

    public sealed record DeferThenExit(string Reason);

    public sealed record Handled;

    /// <summary>A server that answers in every way a callee can.</summary>
    private sealed class Server : GenServer
    {
        private int _handled;

        protected override ValueTask<object?> HandleCallAsync(object request, CallFrom from)
        {
            _handled++;
            switch (request)
            {
                case int n:
                    return new(n + 1);
                case "boom":
                    throw new InvalidOperationException("remote boom");
                case "nothing":
                    return new((object?)null);
                case Who:
                    return new(from.Caller);
                case Handled:
                    return new(_handled);
                case Defer:
                    return new(NoReply); // And never answers.
                case DeferThenExit exit:
                    Context.Cast(Self, exit);
                    return new(NoReply);
                default:
                    return new(request);
            }
        }

        protected override ValueTask HandleCastAsync(object message)
        {
            if (message is DeferThenExit exit)
            {
                Context.Exit(ExitReason.Custom(exit.Reason));
            }
            return ValueTask.CompletedTask;
        }
    }

    private static async Task<CallException> CallFails<TReply>(IProcessGrid caller, Pid callee, object request, TimeSpan? timeout = null) =>
        await Assert.ThrowsAsync<CallException>(() => caller.Call<TReply>(callee, request, timeout).AsTask()).Within($"the call to {callee} to fail");

    [Fact]
    public async Task A_call_to_a_server_on_another_node_returns_its_reply_or_its_exception()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var server = await cluster[1].StartAsync<Server>();

        Assert.Equal(43, await cluster[0].Call<int>(server, 42));
        Assert.Null(await cluster[0].Call<string?>(server, "nothing"));
        var error = await CallFails<int>(cluster[0], server, "boom");
        Assert.Equal(ExitReason.FromException(typeof(InvalidOperationException).FullName!, "remote boom"), error.Reason);
        Assert.Equal(server, error.Target);
        Assert.Contains("System.InvalidOperationException: remote boom", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_call_from_a_process_tells_the_remote_server_who_is_calling()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var server = await cluster[1].StartAsync<Server>();
        var caller = Probe.Spawn(cluster[0]);

        var answer = await caller.Run(ctx => ctx.Call<Pid>(server, new Who()).AsTask());

        Assert.Equal(caller.Pid, await answer.Within("the reply"));
    }

    [Fact]
    public async Task A_reply_of_another_type_than_the_caller_expects_is_an_InvalidCastException()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var server = await cluster[1].StartAsync<Server>();

        var error = await Assert.ThrowsAsync<InvalidCastException>(() => cluster[0].Call<int>(server, "text").AsTask());

        Assert.Contains(typeof(string).FullName!, error.Message, StringComparison.Ordinal);
        Assert.Contains(typeof(int).FullName!, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_call_to_a_remote_pid_that_does_not_exist_fails_at_once_with_noproc()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var server = await cluster[1].StartAsync<Server>();
        var gone = await cluster[1].DeadProcess();
        var neverSpawned = Pid.ForSpawned(cluster[1].Node, cluster[1].Creation, long.MaxValue);
        // The right node name and the number of a live process, but of the node's earlier run.
        var earlierRun = Pid.ForSpawned(cluster[1].Node, cluster[1].Creation - 1, server.Id);

        foreach (var pid in new[] { gone, neverSpawned, earlierRun })
        {
            var error = await CallFails<int>(cluster[0], pid, 1, LongerThanAnyTest);
            Assert.Equal(ExitReason.NoProc, error.Reason);
        }

        // The live process with the earlier run's number got none of them: this call is the first it handles.
        Assert.Equal(1, await cluster[0].Call<int>(server, new Handled()));
    }

    [Fact]
    public async Task A_call_to_a_remote_server_that_never_answers_times_out_and_is_forgotten()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var server = await cluster[1].StartAsync<Server>();

        var error = await CallFails<int>(cluster[0], server, new Defer(), TimeSpan.FromMilliseconds(200));

        Assert.Equal(ExitReason.Timeout, error.Reason);
        Assert.Empty(cluster[0].Distribution!.Get(cluster[1].Node).PendingCalls);
        Assert.Equal(44, await cluster[0].Call<int>(server, 43)); // The server carries on.
    }

    [Fact]
    public async Task A_remote_server_that_exits_before_replying_fails_the_call_with_its_exit_reason()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var server = await cluster[1].StartAsync<Server>();

        var error = await CallFails<int>(cluster[0], server, new DeferThenExit("gave up"), LongerThanAnyTest);

        Assert.Equal(ExitReason.Custom("gave up"), error.Reason);
    }

    [Fact]
    public async Task A_remote_process_that_takes_a_call_and_exits_without_replying_fails_the_call_with_its_exit_reason()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var callee = cluster[1].Spawn(async ctx =>
        {
            await ctx.Receive<CallRequest>();
            ctx.Exit(ExitReason.Custom("took it and left"));
        });

        var error = await CallFails<int>(cluster[0], callee, 1, LongerThanAnyTest);

        Assert.Equal(ExitReason.Custom("took it and left"), error.Reason);
    }

    [Fact]
    public async Task A_remote_process_killed_with_a_call_in_its_mailbox_fails_the_call_with_killed()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        // It only ever receives pings: a call stays in its mailbox.
        var callee = cluster[1].Spawn(async ctx =>
        {
            while (true)
            {
                var ping = await ctx.Receive<Worker.Ping>();
                ctx.Send(ping.ReplyTo, new Worker.Pong(ctx.Self));
            }
        });
        var call = cluster[0].Call<int>(callee, 1, LongerThanAnyTest).AsTask();
        var marker = Probe.Spawn(cluster[0]);
        cluster[0].Send(callee, new Worker.Ping(marker.Pid));
        await marker.Expect<Worker.Pong>(); // The call is in the worker's mailbox.

        cluster[0].Exit(callee, ExitReason.Kill);

        var error = await Assert.ThrowsAsync<CallException>(() => call).Within("the call to fail");
        Assert.Equal(ExitReason.Killed, error.Reason);
    }

    [Fact]
    public async Task A_call_to_a_pid_on_a_node_that_is_not_a_member_fails_at_once_with_nodedown()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var stranger = NodeName.Parse("stranger@localhost");

        var error = await CallFails<int>(cluster[0], Pid.ForSpawned(stranger, 1, 1), 1, LongerThanAnyTest);

        Assert.Equal(ExitReason.NodeDown(stranger), error.Reason);
        Assert.Empty(cluster[0].Distribution!.Get(stranger).PendingCalls);
    }

    [Fact]
    public async Task Calls_awaiting_remote_replies_fail_when_the_calling_node_stops_instead_of_waiting_forever()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var server = await cluster[0].StartAsync<Server>();
        var untimed = cluster[1].Call<int>(server, new Defer(), Timeout.InfiniteTimeSpan).AsTask();
        var timed = cluster[1].Call<int>(server, new Defer(), LongerThanAnyTest).AsTask();
        await TestNode.Eventually(() => cluster[0].GetProcessInfo(server)?.MessagesHandled == 2, "the server to hold both calls");

        await cluster[1].DisposeAsync();

        // The caller's node is gone, its timers and connections with it: the calls end now, as for a lost connection.
        foreach (var call in new[] { untimed, timed })
        {
            var error = await Assert.ThrowsAsync<CallException>(() => call).Within("the call to fail as its node stops");
            Assert.Equal(ExitReason.NodeDown(cluster[0].Node), error.Reason);
        }
    }
}
