using Microsoft.Extensions.DependencyInjection;

namespace ProcessGrid.Tests.VirtualProcesses;

/// <summary>What an activation must not lose when it ends, and what it must not do forever.</summary>
public sealed class ActivationLifecycleTests
{
    public sealed record Wait;

    public sealed record Release(int Value);

    /// <summary>Defers the call it gets and answers it when told to.</summary>
    private sealed class Deferrer(Inbox events) : GenServer
    {
        private CallFrom _waiting;

        protected override ValueTask<object?> HandleCallAsync(object request, CallFrom from)
        {
            _waiting = from;
            events.Post("deferred");
            return new ValueTask<object?>(NoReply);
        }

        protected override ValueTask HandleInfoAsync(object message)
        {
            if (message is Release release)
            {
                Context.Reply(_waiting, release.Value);
            }
            return ValueTask.CompletedTask;
        }

        protected override ValueTask TerminateAsync(ExitReason reason)
        {
            events.Post(reason);
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>An idle virtual process that reports when it is deactivated: evidence that the collector has run.</summary>
    private sealed class Sleeper(Inbox events) : GenServer
    {
        protected override ValueTask HandleInfoAsync(object message) => ValueTask.CompletedTask;

        protected override ValueTask TerminateAsync(ExitReason reason)
        {
            events.Post("sleeper deactivated");
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>A class whose every activation fails to initialize.</summary>
    private sealed class NeverStarts(Inbox events) : GenServer
    {
        protected override ValueTask InitAsync()
        {
            events.Post("init");
            throw new InvalidOperationException("cannot start");
        }
    }

    [Fact]
    public async Task An_activation_holding_a_deferred_call_is_not_deactivated_until_it_answers()
    {
        var events = new Inbox();
        await using var node = TestNode.Start(
            options =>
            {
                options.VirtualProcessIdleTimeout = TimeSpan.FromMilliseconds(10);
                options.VirtualProcessCollectionQuantum = TimeSpan.FromMilliseconds(5);
            },
            TestNode.Services(services => services.AddSingleton(events)));
        var target = node.Virtual<Deferrer>("patient");

        var call = node.Call<int>(target, new Wait(), TimeSpan.FromSeconds(30)).AsTask();
        await events.Expect<string>(e => e == "deferred");

        // A process that went idle after the deferrer is deactivated: the collector has passed over the deferrer too,
        // which had been idle longer, and must have kept it because of the call it holds.
        node.Send(node.Virtual<Sleeper>("witness"), "wake");
        await events.Expect<string>(e => e == "sleeper deactivated");
        Assert.False(call.IsCompleted);
        Assert.DoesNotContain(events.Unexpected, e => e is ExitReason);
        node.Send(target, new Release(7));

        Assert.Equal(7, await call.Within("the deferred call's answer"));
        // Once answered and idle, it is deactivated as usual.
        Assert.Equal(ExitReason.ShutdownWith("idle"), await events.Expect<ExitReason>());
    }

    [Fact]
    public async Task A_class_that_cannot_initialize_fails_its_calls_and_does_not_reactivate_in_a_loop()
    {
        var events = new Inbox();
        await using var node = TestNode.Start(services: TestNode.Services(services => services.AddSingleton(events)));
        var target = node.Virtual<NeverStarts>("broken");

        var calls = Enumerable.Range(0, 5).Select(_ => node.Call<int>(target, "ping").AsTask()).ToList();
        node.Send(target, "hello");

        foreach (var call in calls)
        {
            var error = await Assert.ThrowsAsync<CallException>(() => call);
            Assert.Equal("System.InvalidOperationException", error.Reason.ExceptionType);
        }
        await TestNode.Eventually(() => node.DeadLetters.Count >= 1, "the plain message is a dead letter");

        // Each failed activation settled its backlog instead of passing it on: a new activation starts only for new messages.
        var inits = events.Unexpected.Count(e => Equals(e, "init"));
        Assert.InRange(inits, 1, 6);
    }
}
