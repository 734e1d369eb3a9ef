using System.Diagnostics;
using ProcessGrid.Runtime.Hosting;

namespace ProcessGrid.Tests.GenServers;

/// <summary>gen_server:call: replies, deferred replies, timeouts, and the typed errors of a call that gets no reply.</summary>
public sealed class CallTests
{
    /// <summary>Answers calls in several ways, chosen by the request.</summary>
    private sealed class Server(Inbox events) : GenServer
    {
        private CallFrom _deferred;

        protected override async ValueTask<object?> HandleCallAsync(object request, CallFrom from)
        {
            switch (request)
            {
                case "never":
                    return NoReply; // Forgets the caller: the call can only time out.
                case "defer":
                    _deferred = from;
                    events.Post("deferred");
                    return NoReply;
                case "defer to helper":
                    // Another process answers: a reply can come from anywhere (gen_server:reply/2).
                    Context.Spawn(helper =>
                    {
                        helper.Reply(from, "answered by helper");
                        return Task.CompletedTask;
                    });
                    return NoReply;
                case "throw":
                    throw new ArgumentException("bad request");
                case "hang":
                    events.Post("hanging");
                    await Task.Delay(Timeout.Infinite, Context.Aborted);
                    return "unreachable";
                case "a string":
                    return "text";
                default:
                    return request;
            }
        }

        protected override async ValueTask HandleCastAsync(object message)
        {
            switch (message)
            {
                case "release":
                    Context.Reply(_deferred, "released");
                    break;
                case "give up":
                    Context.Exit(ExitReason.Custom("gave up"));
                    break;
                case TaskCompletionSource gate:
                    events.Post("busy");
                    await gate.Task;
                    break;
            }
        }
    }

    [Fact]
    public void The_default_call_timeout_is_five_seconds()
    {
        Assert.Equal(TimeSpan.FromSeconds(5), new ProcessGridOptions().DefaultCallTimeout);
    }

    [Fact]
    public async Task A_call_without_a_timeout_waits_the_node_default_call_timeout_then_fails_with_timeout()
    {
        var timeout = TimeSpan.FromMilliseconds(150);
        await using var node = TestNode.Start(o => o.DefaultCallTimeout = timeout);
        var server = await node.StartAsync<Server>(new Inbox());

        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<CallException>(() => node.Call<object>(server, "never").AsTask().Within("the call to time out"));

        Assert.Equal(ExitReason.Timeout, error.Reason);
        Assert.Equal(server, error.Target);
        Assert.True(clock.Elapsed >= timeout, $"The call timed out after {clock.Elapsed.TotalMilliseconds} ms, before its {timeout.TotalMilliseconds} ms.");
    }

    [Fact]
    public async Task A_call_with_an_explicit_timeout_to_a_server_that_never_replies_fails_with_timeout()
    {
        await using var node = TestNode.Start();
        var server = await node.StartAsync<Server>(new Inbox());
        var timeout = TimeSpan.FromMilliseconds(100);

        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<CallException>(() => node.Call<object>(server, "never", timeout).AsTask().Within("the call to time out"));

        Assert.Equal(ExitReasonKind.Timeout, error.Reason.Kind);
        Assert.True(clock.Elapsed >= timeout, $"The call timed out after {clock.Elapsed.TotalMilliseconds} ms, before its {timeout.TotalMilliseconds} ms.");
        Assert.Equal("still serving", await node.Call<string>(server, "still serving").AsTask().Within("the next call"));
    }

    [Fact]
    public async Task A_call_to_a_dead_pid_fails_at_once_with_noproc()
    {
        await using var node = TestNode.Start();
        var dead = await node.DeadProcess();

        // No timeout to wait for: only an immediate failure completes this call.
        var error = await Assert.ThrowsAsync<CallException>(
            () => node.Call<object>(dead, "anyone?", Timeout.InfiniteTimeSpan).AsTask().Within("the call to fail"));

        Assert.Equal(ExitReason.NoProc, error.Reason);
        Assert.Equal(dead, error.Target);
    }

    [Fact]
    public async Task The_callees_exception_reaches_the_caller_with_its_type_and_message_and_ends_the_server()
    {
        await using var node = TestNode.Start();
        var server = await node.StartAsync<Server>(new Inbox());
        var exited = node.WhenExited(server);

        var error = await Assert.ThrowsAsync<CallException>(() => node.Call<object>(server, "throw").AsTask().Within("the call to fail"));

        Assert.Equal(ExitReasonKind.Exception, error.Reason.Kind);
        Assert.Equal(typeof(ArgumentException).FullName, error.Reason.ExceptionType);
        Assert.Equal("bad request", error.Reason.Detail);
        Assert.Contains("bad request", error.Message, StringComparison.Ordinal);
        Assert.IsType<ArgumentException>(error.InnerException);
        Assert.Equal(error.Reason, await exited.Within("the server to exit"));
    }

    [Fact]
    public async Task A_deferred_reply_with_NoReply_and_Context_Reply_answers_the_call_later()
    {
        await using var node = TestNode.Start();
        var events = new Inbox();
        var server = await node.StartAsync<Server>(events);

        var call = node.Call<string>(server, "defer", Timeout.InfiniteTimeSpan).AsTask();
        await events.ExpectNext("deferred");
        Assert.False(call.IsCompleted, "The deferred call completed before the server replied.");
        node.Cast(server, "release");

        Assert.Equal("released", await call.Within("the deferred reply"));
    }

    [Fact]
    public async Task A_deferred_call_can_be_answered_by_another_process()
    {
        await using var node = TestNode.Start();
        var server = await node.StartAsync<Server>(new Inbox());

        Assert.Equal("answered by helper", await node.Call<string>(server, "defer to helper").AsTask().Within("the helper's reply"));
    }

    [Fact]
    public async Task A_call_to_a_server_that_exits_after_deferring_the_reply_fails_with_its_exit_reason()
    {
        await using var node = TestNode.Start();
        var events = new Inbox();
        var server = await node.StartAsync<Server>(events);

        var call = node.Call<string>(server, "defer", Timeout.InfiniteTimeSpan).AsTask();
        await events.ExpectNext("deferred");
        node.Cast(server, "give up");

        var error = await Assert.ThrowsAsync<CallException>(() => call.Within("the call to fail"));
        Assert.Equal(ExitReason.Custom("gave up"), error.Reason);
    }

    [Fact]
    public async Task A_call_to_a_server_killed_while_handling_it_fails_with_killed()
    {
        await using var node = TestNode.Start();
        var events = new Inbox();
        var server = await node.StartAsync<Server>(events);

        var call = node.Call<string>(server, "hang", Timeout.InfiniteTimeSpan).AsTask();
        await events.ExpectNext("hanging");
        node.Exit(server, ExitReason.Kill);

        var error = await Assert.ThrowsAsync<CallException>(() => call.Within("the call to fail"));
        Assert.Equal(ExitReason.Killed, error.Reason);
    }

    [Fact]
    public async Task A_call_still_queued_when_the_server_exits_fails_with_its_exit_reason()
    {
        await using var node = TestNode.Start();
        var events = new Inbox();
        var server = await node.StartAsync<Server>(events);
        var busy = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        node.Cast(server, busy);
        await events.ExpectNext("busy");
        var call = node.Call<string>(server, "queued", Timeout.InfiniteTimeSpan).AsTask();
        node.Exit(server, ExitReason.Custom("stopped while busy"));

        var error = await Assert.ThrowsAsync<CallException>(() => call.Within("the queued call to fail"));
        Assert.Equal(ExitReason.Custom("stopped while busy"), error.Reason);
    }

    [Fact]
    public async Task A_call_to_a_process_that_exits_without_replying_fails_with_its_exit_reason()
    {
        await using var node = TestNode.Start();
        var pid = node.Spawn(async ctx =>
        {
            await ctx.Receive<CallRequest>();
            ctx.Exit(ExitReason.Custom("no answer"));
        });

        var error = await Assert.ThrowsAsync<CallException>(
            () => node.Call<string>(pid, "question", Timeout.InfiniteTimeSpan).AsTask().Within("the call to fail"));

        Assert.Equal(ExitReason.Custom("no answer"), error.Reason);
    }

    [Fact]
    public async Task A_reply_of_the_wrong_type_gives_InvalidCastException()
    {
        await using var node = TestNode.Start();
        var server = await node.StartAsync<Server>(new Inbox());

        var error = await Assert.ThrowsAsync<InvalidCastException>(() => node.Call<int>(server, "a string").AsTask().Within("the call"));

        Assert.Contains(typeof(string).FullName!, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_process_that_is_not_a_GenServer_receives_a_call_as_CallRequest_and_answers_with_Reply()
    {
        await using var node = TestNode.Start();
        var pid = node.Spawn(async ctx =>
        {
            var call = await ctx.Receive<CallRequest>();
            ctx.Reply(call.From, $"you asked {call.Request}");
        });

        Assert.Equal("you asked 42", await node.Call<string>(pid, 42).AsTask().Within("the reply"));
    }

    [Fact]
    public async Task A_process_can_call_a_server_and_gets_its_reply()
    {
        await using var node = TestNode.Start();
        var probe = Probe.Spawn(node);
        var server = await node.StartAsync<Server>(new Inbox());

        node.Spawn(async ctx => ctx.Send(probe.Pid, await ctx.Call<string>(server, "from a process")));

        await probe.ExpectNext("from a process");
    }
}
