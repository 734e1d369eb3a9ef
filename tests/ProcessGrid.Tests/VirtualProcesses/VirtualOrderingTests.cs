using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;

namespace ProcessGrid.Tests.VirtualProcesses;

/// <summary>
/// A virtual process outlives its activations, and Erlang's ordering guarantee must survive that: messages from one
/// sender arrive in send order even while activations end (idle deactivation, crashes) and new ones take over.
/// </summary>
public sealed class VirtualOrderingTests
{
    public sealed record Numbered(int Sender, int Number);

    public sealed record Crash;

    /// <summary>What the activations of one key have seen, across all of them.</summary>
    public sealed class Journal
    {
        public ConcurrentDictionary<int, int> LastSeen { get; } = new();

        public ConcurrentQueue<string> Violations { get; } = new();

        public int Received;

        public int Terminations;
    }

    private sealed class Recorder(Journal journal) : GenServer
    {
        protected override ValueTask HandleInfoAsync(object message)
        {
            switch (message)
            {
                case Numbered numbered:
                    var previous = journal.LastSeen.GetValueOrDefault(numbered.Sender, -1);
                    if (numbered.Number != previous + 1)
                    {
                        journal.Violations.Enqueue($"sender {numbered.Sender}: {numbered.Number} after {previous}");
                    }
                    journal.LastSeen[numbered.Sender] = numbered.Number;
                    Interlocked.Increment(ref journal.Received);
                    break;
                case Crash:
                    throw new InvalidOperationException("crash on request");
            }
            return ValueTask.CompletedTask;
        }

        protected override ValueTask TerminateAsync(ExitReason reason)
        {
            Interlocked.Increment(ref journal.Terminations);
            return ValueTask.CompletedTask;
        }
    }

    [Fact]
    public async Task One_senders_messages_arrive_in_order_across_many_idle_deactivations()
    {
        var journal = new Journal();
        await using var node = TestNode.Start(
            options =>
            {
                options.VirtualProcessIdleTimeout = TimeSpan.FromMilliseconds(3);
                options.VirtualProcessCollectionQuantum = TimeSpan.FromMilliseconds(1);
            },
            TestNode.Services(services => services.AddSingleton(journal)));
        var target = node.Virtual<Recorder>("churn");
        const int Senders = 3;
        const int Bursts = 50;
        const int PerBurst = 20;

        // Bursts with gaps: the gaps let activations go idle and be deactivated while other senders' bursts arrive.
        await Task.WhenAll(Enumerable.Range(0, Senders).Select(sender => Task.Run(async () =>
        {
            var number = 0;
            for (var burst = 0; burst < Bursts; burst++)
            {
                for (var i = 0; i < PerBurst; i++)
                {
                    node.Send(target, new Numbered(sender, number++));
                }
                await Task.Delay(4 + (burst * 7 + sender * 3) % 12, TestContext.Current.CancellationToken);
            }
        }, TestContext.Current.CancellationToken)));

        await TestNode.Eventually(() => Volatile.Read(ref journal.Received) == Senders * Bursts * PerBurst, "every message has been handled");
        Assert.Empty(journal.Violations);
        Assert.True(journal.Terminations >= 10,
            $"The test must exercise deactivation: only {journal.Terminations} activations ended; shorten the idle timeout or lengthen the gaps.");
    }

    /// <summary>
    /// Holds an activation in the middle of exiting: a callback on its <see cref="IProcessContext.Aborted"/> token runs
    /// while the process is being marked dead, and waits there until the test has sent what it wants to send into
    /// that window.
    /// </summary>
    public sealed class ExitGate
    {
        public TaskCompletionSource Terminating { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Dying { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ManualResetEventSlim ReleaseTerminate { get; } = new();

        public ManualResetEventSlim ReleaseExit { get; } = new();

        public int Activations;
    }

    private sealed class GatedRecorder(Journal journal, ExitGate gate) : GenServer
    {
        protected override ValueTask InitAsync()
        {
            if (Interlocked.Increment(ref gate.Activations) == 1)
            {
                Context.Aborted.Register(() =>
                {
                    gate.Dying.TrySetResult();
                    gate.ReleaseExit.Wait(TimeSpan.FromSeconds(10));
                });
            }
            return ValueTask.CompletedTask;
        }

        protected override ValueTask HandleInfoAsync(object message)
        {
            if (message is Numbered numbered)
            {
                var previous = journal.LastSeen.GetValueOrDefault(numbered.Sender, -1);
                if (numbered.Number != previous + 1)
                {
                    journal.Violations.Enqueue($"{numbered.Number} after {previous}");
                }
                journal.LastSeen[numbered.Sender] = numbered.Number;
                Interlocked.Increment(ref journal.Received);
            }
            return ValueTask.CompletedTask;
        }

        protected override ValueTask TerminateAsync(ExitReason reason)
        {
            if (Volatile.Read(ref gate.Activations) == 1)
            {
                gate.Terminating.TrySetResult();
                gate.ReleaseTerminate.Wait(TimeSpan.FromSeconds(10));
            }
            return ValueTask.CompletedTask;
        }
    }

    [Fact]
    public async Task Messages_sent_while_an_activation_is_exiting_arrive_after_the_ones_it_had_queued()
    {
        var journal = new Journal();
        var gate = new ExitGate();
        await using var node = TestNode.Start(
            options =>
            {
                options.VirtualProcessIdleTimeout = TimeSpan.FromMilliseconds(20);
                options.VirtualProcessCollectionQuantum = TimeSpan.FromMilliseconds(5);
            },
            TestNode.Services(services => services.AddSingleton(journal).AddSingleton(gate)));
        var target = node.Virtual<GatedRecorder>("gated");
        node.Send(target, new Numbered(0, 0));

        // The first activation goes idle and is deactivated; hold it in its terminate callback, still alive.
        await gate.Terminating.Task.Within("the idle activation to start terminating");
        node.Send(target, new Numbered(0, 1)); // Queued in the activation that is about to exit.
        gate.ReleaseTerminate.Set();

        // Now hold it while it is being marked dead, and send again into that window.
        await gate.Dying.Task.Within("the activation to be exiting");
        node.Send(target, new Numbered(0, 2));
        gate.ReleaseExit.Set();

        await TestNode.Eventually(() => Volatile.Read(ref journal.Received) == 3, "the three messages have been handled");
        Assert.Empty(journal.Violations);
        Assert.Equal(2, gate.Activations);
    }

    [Fact]
    public async Task One_senders_messages_arrive_in_order_across_crashes_of_the_activation()
    {
        var journal = new Journal();
        await using var node = TestNode.Start(services: TestNode.Services(services => services.AddSingleton(journal)));
        var target = node.Virtual<Recorder>("crashing");

        // Other senders crash the activation again and again while one sender streams numbers.
        var crashers = Task.Run(() =>
        {
            for (var i = 0; i < 200; i++)
            {
                node.Send(target, new Crash());
            }
        }, TestContext.Current.CancellationToken);
        for (var number = 0; number < 5_000; number++)
        {
            node.Send(target, new Numbered(0, number));
        }
        await crashers;

        await TestNode.Eventually(
            () => Volatile.Read(ref journal.Received) == 5_000 && Volatile.Read(ref journal.Terminations) == 200,
            "every numbered message has been handled and every crash has ended an activation");
        Assert.Empty(journal.Violations);
    }
}
