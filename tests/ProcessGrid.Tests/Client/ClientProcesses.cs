namespace ProcessGrid.Tests.Client;

/// <summary>The process classes the client tests run, on nodes, in silos (which load this assembly) and in clients.</summary>
public static class ClientProcesses
{
    /// <summary>Asks a <see cref="Tally"/> which node it runs on.</summary>
    public sealed record Where;

    /// <summary>Adds one to a <see cref="Tally"/>; the reply is the new count.</summary>
    public sealed record Increment;

    /// <summary>A request a <see cref="Silent"/> server never answers.</summary>
    public sealed record Defer;

    /// <summary>A virtual counter that says where it runs.</summary>
    public sealed class Tally : GenServer
    {
        private int _count;

        protected override ValueTask<object?> HandleCallAsync(object request, CallFrom from) => request switch
        {
            Where => new(Context.Grid.Node),
            Increment => new(++_count),
            _ => throw new ArgumentException($"A tally answers Where and Increment, not {request.GetType().Name}."),
        };
    }

    /// <summary>Answers every call with the request, and the node it runs on.</summary>
    public sealed class Echo : GenServer
    {
        protected override ValueTask<object?> HandleCallAsync(object request, CallFrom from) => new($"{request} from {Context.Grid.Node}");
    }

    /// <summary>Never answers a call.</summary>
    public sealed class Silent : GenServer
    {
        protected override ValueTask<object?> HandleCallAsync(object request, CallFrom from) => new(NoReply);
    }
}
