namespace ProcessGrid;

/// <summary>
/// The base of process classes: <see cref="GridProcess"/> (code that receives, like an Erlang function) and
/// <see cref="GenServer"/> (callbacks, like an Erlang behaviour). Instances are built by the runtime with constructor
/// injection; each runs in exactly one process.
/// </summary>
public abstract class ProcessBehavior
{
    private IProcessContext? _context;

    /// <summary>Only the process kinds of this library derive from this class directly.</summary>
    private protected ProcessBehavior()
    {
    }

    /// <summary>The process this instance runs in. Set before any of its callbacks run; not available in the constructor.</summary>
    /// <exception cref="InvalidOperationException">Used before the process started (in the constructor, say).</exception>
    protected IProcessContext Context => _context ?? throw new InvalidOperationException(
        $"{GetType().Name}.Context is set when the process starts; it cannot be used in the constructor. Move that code to the start callback.");

    /// <summary>This process's pid.</summary>
    protected Pid Self => Context.Self;

    /// <summary>Binds this instance to the process that runs it.</summary>
    internal void Attach(IProcessContext context) => _context = context;
}
