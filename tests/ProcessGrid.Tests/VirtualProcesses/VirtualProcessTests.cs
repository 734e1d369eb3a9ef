using Microsoft.Extensions.DependencyInjection;

namespace ProcessGrid.Tests.VirtualProcesses;

/// <summary>
/// Virtual processes (Orleans grains): a GenServer class plus a key, activated by the first message, kept while in
/// use, deactivated when idle, and activated again under the same pid by the next message.
/// </summary>
public sealed class VirtualProcessTests
{
    /// <summary>Counts the instances the node builds of a process class.</summary>
    public sealed class Constructions
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public void Add() => Interlocked.Increment(ref _count);
    }

    /// <summary>A counter; reports its lifecycle to the test's inbox.</summary>
    private sealed class Counter : GenServer
    {
        private readonly Inbox _events;
        private int _value;

        public Counter(Inbox events, Constructions constructions)
        {
            _events = events;
            constructions.Add();
        }

        protected override async ValueTask InitAsync()
        {
            await Task.Yield(); // A real await: concurrent first callers must all wait for the one activation.
            _events.Post(("init", Self));
        }

        protected override ValueTask<object?> HandleCallAsync(object request, CallFrom from) => request switch
        {
            "inc" => ValueTask.FromResult<object?>(++_value),
            "get" => ValueTask.FromResult<object?>(_value),
            "self" => ValueTask.FromResult<object?>(Self),
            "crash" => throw new InvalidOperationException("counter crashed"),
            _ => ValueTask.FromResult<object?>(request),
        };

        protected override ValueTask HandleCastAsync(object message)
        {
            _value += (int)message;
            return ValueTask.CompletedTask;
        }

        protected override ValueTask HandleInfoAsync(object message) => ValueTask.CompletedTask;

        protected override ValueTask TerminateAsync(ExitReason reason)
        {
            _events.Post(("terminate", Self, reason));
            return ValueTask.CompletedTask;
        }
    }

    [VirtualProcess(Kind = "Short-lived", IdleTimeoutSeconds = 1)]
    private sealed class ShortLived(Inbox events) : GenServer
    {
        protected override ValueTask<object?> HandleCallAsync(object request, CallFrom from) => ValueTask.FromResult<object?>(request);

        protected override ValueTask TerminateAsync(ExitReason reason)
        {
            events.Post(("terminate", Self, reason));
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>A class the node cannot build: its constructor throws.</summary>
    private sealed class Unbuildable : GenServer
    {
        public Unbuildable() => throw new FormatException("bad configuration");
    }

    private static ProcessNode StartNode(Inbox events, Constructions? constructions = null, Action<Runtime.Hosting.ProcessGridOptions>? configure = null) =>
        TestNode.Start(configure, TestNode.Services(s => s.AddSingleton(events).AddSingleton(constructions ?? new Constructions())));

    [Fact]
    public async Task A_virtual_process_is_activated_by_its_first_message()
    {
        var events = new Inbox();
        await using var node = StartNode(events);
        var pid = node.Virtual<Counter>("alice");

        Assert.DoesNotContain(pid, node.Processes());
        Assert.Null(node.GetProcessInfo(pid));

        pid.Send("hello"); // Any message activates it, not only a call.

        Assert.Equal(("init", pid), await events.Expect<(string, Pid)>());
        Assert.Contains(pid, node.Processes());
        Assert.NotNull(node.GetProcessInfo(pid));
        Assert.Equal(1, await node.Call<int>(pid, "inc").AsTask().Within("a call to the activation"));
    }

    [Fact]
    public async Task The_pid_of_a_virtual_process_is_its_kind_and_key_and_the_same_inside_and_out()
    {
        var events = new Inbox();
        await using var node = StartNode(events);

        var pid = node.Virtual<Counter>("alice");

        Assert.Equal("<Counter/alice>", pid.ToString());
        Assert.Equal(pid, node.Virtual<Counter>("alice"));
        Assert.Equal(pid, await node.Call<Pid>(pid, "self").AsTask().Within("the call"));
        Assert.Equal(pid, node.ParsePid("<Counter/alice>"));
    }

    [Fact]
    public async Task State_is_kept_between_messages_and_each_key_has_its_own()
    {
        var events = new Inbox();
        await using var node = StartNode(events);
        var alice = node.Virtual<Counter>("alice");
        var bob = node.Virtual<Counter>("bob");

        await node.Call<int>(alice, "inc").AsTask().Within("a call");
        node.Cast(alice, 10);
        await node.Call<int>(bob, "inc").AsTask().Within("a call");
        // A pid parsed from text reaches the same activation.
        await node.Call<int>(node.ParsePid(alice.ToString()), "inc").AsTask().Within("a call");

        Assert.Equal(12, await node.Call<int>(alice, "get").AsTask().Within("alice's count"));
        Assert.Equal(1, await node.Call<int>(bob, "get").AsTask().Within("bob's count"));
    }

    [Fact]
    public async Task An_idle_virtual_process_is_deactivated_and_the_next_message_activates_it_again_under_the_same_pid()
    {
        var events = new Inbox();
        await using var node = StartNode(events, configure: o =>
        {
            o.VirtualProcessIdleTimeout = TimeSpan.FromMilliseconds(200);
            o.VirtualProcessCollectionQuantum = TimeSpan.FromMilliseconds(50);
        });
        var pid = node.Virtual<Counter>("alice");
        Assert.Equal(1, await node.Call<int>(pid, "inc").AsTask().Within("a call"));
        await events.ExpectNext(("init", pid));

        await events.ExpectNext(("terminate", pid, ExitReason.ShutdownWith("idle")));
        await TestNode.Eventually(() => !node.Processes().Contains(pid), "the activation to be gone");

        Assert.Equal(0, await node.Call<int>(pid, "get").AsTask().Within("the call to a new activation"));
        await events.ExpectNext(("init", pid));
        Assert.Equal(pid, await node.Call<Pid>(pid, "self").AsTask().Within("the call"));
    }

    [Fact]
    public async Task The_VirtualProcess_attribute_sets_the_kind_and_the_idle_timeout_of_its_class()
    {
        var events = new Inbox();
        await using var node = StartNode(events, configure: o =>
        {
            o.VirtualProcessIdleTimeout = TimeSpan.FromHours(1);
            o.VirtualProcessCollectionQuantum = TimeSpan.FromMilliseconds(50);
        });
        var shortLived = node.Virtual<ShortLived>("k");
        var counter = node.Virtual<Counter>("k");

        await node.Call<string>(shortLived, "hello").AsTask().Within("a call");
        await node.Call<int>(counter, "inc").AsTask().Within("a call");

        Assert.Equal("<Short-lived/k>", shortLived.ToString());
        Assert.Equal(("terminate", shortLived, ExitReason.ShutdownWith("idle")), await events.Expect<(string, Pid, ExitReason)>());
        // The class without its own idle timeout follows the node's hour.
        Assert.Contains(counter, node.Processes());
    }

    [Fact]
    public async Task A_crash_fails_that_call_and_the_next_call_gets_a_fresh_activation()
    {
        var events = new Inbox();
        await using var node = StartNode(events);
        var pid = node.Virtual<Counter>("alice");
        Assert.Equal(1, await node.Call<int>(pid, "inc").AsTask().Within("a call"));
        await events.ExpectNext(("init", pid));

        var error = await Assert.ThrowsAsync<CallException>(() => node.Call<int>(pid, "crash").AsTask().Within("the call to fail"));

        Assert.Equal("counter crashed", error.Reason.Detail);
        await events.ExpectNext(("terminate", pid, error.Reason));
        Assert.Equal(0, await node.Call<int>(pid, "get").AsTask().Within("the call to a new activation"));
        await events.ExpectNext(("init", pid));
    }

    [Fact]
    public async Task Concurrent_first_calls_share_one_activation()
    {
        const int Callers = 50;
        var events = new Inbox();
        var constructions = new Constructions();
        await using var node = StartNode(events, constructions);
        var pid = node.Virtual<Counter>("contended");
        // Dedicated threads released together, so that the first deliveries (where activation happens) truly race.
        using var start = new Barrier(Callers);
        var calls = new Task<int>[Callers];
        var threads = Enumerable.Range(0, Callers).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            calls[i] = node.Call<int>(pid, "inc").AsTask();
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        var results = await Task.WhenAll(calls).Within("every caller's reply");

        Assert.Equal(Enumerable.Range(1, Callers), results.Order());
        Assert.Equal(1, constructions.Count);
        await events.ExpectNext(("init", pid));
        Assert.Empty(events.Unexpected);
    }

    [Fact]
    public async Task A_call_to_a_virtual_pid_of_a_kind_this_node_does_not_know_fails_and_a_message_is_a_dead_letter()
    {
        await using var node = StartNode(new Inbox());
        var unknown = node.ParsePid("<NoSuchKind/key>");
        var before = node.DeadLetters.Count;

        node.Send(unknown, "hello");
        var error = await Assert.ThrowsAsync<CallException>(() => node.Call<string>(unknown, "hello").AsTask().Within("the call to fail"));

        Assert.Equal(before + 1, node.DeadLetters.Count);
        Assert.Contains("NoSuchKind", node.DeadLetters.Recent[^1].Reason, StringComparison.Ordinal);
        Assert.Contains("NoSuchKind", error.Reason.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task When_activation_fails_a_message_is_a_dead_letter_and_a_call_fails_with_the_exception()
    {
        await using var node = StartNode(new Inbox());
        var probe = Probe.Spawn(node);
        var pid = node.Virtual<Unbuildable>("k");
        var before = node.DeadLetters.Count;

        node.Send(pid, "hello"); // Sending never throws: the message becomes a dead letter.
        var error = await Assert.ThrowsAsync<CallException>(() => node.Call<string>(pid, "hello").AsTask().Within("the call to fail"));
        var down = await probe.Run(ctx => ctx.Monitor(pid));

        Assert.Equal(before + 1, node.DeadLetters.Count);
        Assert.Contains("bad configuration", node.DeadLetters.Recent[^1].Reason, StringComparison.Ordinal);
        Assert.Equal(typeof(FormatException).FullName, error.Reason.ExceptionType);
        Assert.Equal("bad configuration", error.Reason.Detail);
        Assert.Equal(new Down(down, pid, ExitReason.NoProc), await probe.Expect<Down>());
    }
}
