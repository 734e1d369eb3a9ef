namespace ProcessGrid.Tests.Persistence;

/// <summary>The state of a <see cref="Tally"/>: a mutable class, as Orleans' grain states usually are.</summary>
public sealed class TallyState
{
    public long Count { get; set; }

    public List<string> Notes { get; } = [];
}

/// <summary>What a <see cref="Tally"/> holds, as a reply: its state, version and whether a record backs it.</summary>
public sealed record TallyView(long Count, IReadOnlyList<string> Notes, long Version, bool RecordExists, NodeName Node);

/// <summary>
/// A virtual process with one persistent state, and messages for every operation on it, so that tests can drive each
/// one and see the outcome; it also remembers what its state was when its initialization ran.
/// </summary>
[VirtualProcess(Kind = "persistence-tally")]
public sealed class Tally(IPersistentState<TallyState> tally) : GenServer
{
    private TallyView? _atInit;

    /// <summary>Adds to the count and writes; the reply is the view after the write.</summary>
    public sealed record Add(long Amount, string? Note = null);

    /// <summary>The view now.</summary>
    public sealed record Get;

    /// <summary>The view as the process's initialization saw it (the state is loaded before).</summary>
    public sealed record SeenAtInit;

    /// <summary>Clears the state; the reply is the view after the clear.</summary>
    public sealed record Reset;

    /// <summary>Reads the stored state again; the reply is the view after the read.</summary>
    public sealed record Reread;

    protected override ValueTask InitAsync()
    {
        _atInit = View();
        return ValueTask.CompletedTask;
    }

    protected override async ValueTask<object?> HandleCallAsync(object request, CallFrom from)
    {
        switch (request)
        {
            case Add add:
                tally.State.Count += add.Amount;
                if (add.Note is not null)
                {
                    tally.State.Notes.Add(add.Note);
                }
                await tally.WriteStateAsync();
                return View();
            case Get:
                return View();
            case SeenAtInit:
                return _atInit;
            case Reset:
                await tally.ClearStateAsync();
                return View();
            case Reread:
                await tally.ReadStateAsync();
                return View();
            default:
                throw new ArgumentException($"unexpected {request}");
        }
    }

    private TallyView View() => new(tally.State.Count, [.. tally.State.Notes], tally.Version, tally.RecordExists, Context.Grid.Node);
}

/// <summary>A virtual process with two named states, one of them a plain value type.</summary>
[VirtualProcess(Kind = "persistence-profile")]
public sealed class Profile([PersistentState("name")] IPersistentState<string?> name, [PersistentState("visits")] IPersistentState<int> visits) : GenServer
{
    public sealed record Rename(string Name);

    public sealed record Visit;

    public sealed record Show;

    protected override async ValueTask<object?> HandleCallAsync(object request, CallFrom from)
    {
        switch (request)
        {
            case Rename rename:
                name.State = rename.Name;
                await name.WriteStateAsync();
                break;
            case Visit:
                visits.State++;
                await visits.WriteStateAsync();
                break;
        }
        return $"{name.State ?? "(nobody)"} visited {visits.State} times (versions {name.Version}/{visits.Version})";
    }
}

/// <summary>A state that cannot be stored: it holds a delegate.</summary>
public sealed class CallbackState
{
    public Func<int>? Callback { get; set; }
}

/// <summary>Tries to store a state that cannot be serialized.</summary>
[VirtualProcess(Kind = "persistence-callback")]
public sealed class CallbackHolder(IPersistentState<CallbackState> state) : GenServer
{
    protected override async ValueTask<object?> HandleCallAsync(object request, CallFrom from)
    {
        if (request is "store")
        {
            state.State.Callback = () => 42;
            await state.WriteStateAsync();
        }
        return state.Version;
    }
}

// The classes below ask for their states wrongly. They carry no [VirtualProcess], so that a silo that loads this
// assembly (and registers its marked classes at start) is not refused because of them; the tests register them.

/// <summary>Two states with the same (default) name: refused.</summary>
public sealed class TwoUnnamedStates(IPersistentState<int> first, IPersistentState<int> second) : GenServer
{
    protected override ValueTask<object?> HandleCallAsync(object request, CallFrom from) => new(first.State + second.State);
}

/// <summary>A state whose name is empty: refused.</summary>
public sealed class EmptyStateName([PersistentState("")] IPersistentState<int> state) : GenServer
{
    protected override ValueTask<object?> HandleCallAsync(object request, CallFrom from) => new(state.State);
}
