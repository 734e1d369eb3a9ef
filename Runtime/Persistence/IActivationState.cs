namespace ProcessGrid.Runtime.Persistence;

/// <summary>A persistent state as its activation sees it: loaded once before the process's initialization.</summary>
internal interface IActivationState
{
    /// <summary>Which record it is.</summary>
    StateId Id { get; }

    /// <summary>Loads the stored record (the activation does not start if this throws).</summary>
    ValueTask LoadAsync(CancellationToken cancellationToken);
}
