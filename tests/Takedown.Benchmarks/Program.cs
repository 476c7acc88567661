using Takedown.Benchmarks;
using Takedown.Benchmarks.Append;
using Takedown.Benchmarks.Banks;
using Takedown.Benchmarks.Catchup;
using Takedown.Benchmarks.Hashing;
using Takedown.Benchmarks.Matcher;

// A harness rather than BenchmarkDotNet: concurrent writers, latency percentiles and a million-event catch-up
// against a live database are not per-method micro-benchmarks. See docs/benchmarks.md.
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true; // finish through the finally blocks, so the throwaway database is still dropped
    cancel.Cancel();
};

try
{
    return args.FirstOrDefault() switch
    {
        "append" => await AppendBenchmark.RunAsync(
            AppendSettings.From(CommandLine.Parse(args.Skip(1), "seconds", "warmup", "rounds", "streams-per-writer", "stream-length", "explain", "pool-size")), cancel.Token),
        "catchup" => await CatchupBenchmark.RunAsync(
            CatchupSettings.From(CommandLine.Parse(args.Skip(1), "events", "streams", "batch-sizes")), cancel.Token),
        "pdq" => await PdqBenchmark.RunAsync(
            PdqSettings.From(CommandLine.Parse(args.Skip(1), "image", "video", "iterations", "warmup")), cancel.Token),
        "text-bank" => TextBankBenchmark.Run(CommandLine.Parse(args.Skip(1), "texts", "queries")),
        "bank-matcher" => BankMatcherBenchmark.Run(CommandLine.Parse(args.Skip(1), "entries", "queries", "seed")),
        "matcher" => MatcherBenchmark.Run(MatcherSettings.From(args.Skip(1))),
        _ => Usage(),
    };
}
catch (Exception ex) when (ex is ArgumentException or FormatException)
{
    Console.Error.WriteLine(ex.Message);
    return Usage();
}
catch (OperationCanceledException) when (cancel.IsCancellationRequested)
{
    Console.Error.WriteLine("Cancelled.");
    return 130;
}

static int Usage()
{
    Console.Error.WriteLine(
        """
        usage: dotnet run -c Release --project tests/Takedown.Benchmarks -- <benchmark> [options]

          append   [--seconds 5] [--warmup 2] [--rounds 3] [--streams-per-writer 50] [--stream-length 50] [--explain] [--pool-size 64]
                   the event store's write path (Begin, DecideAsync, CommitAsync on Marten) vs. a plain INSERT
                   baseline; single events and 10-event batches, 1 and 16 writers; the variants take turns for
                   --rounds rounds, each a warm-up then a measured window. A writer moves on to a new stream once
                   one holds --stream-length events. --explain adds variants that separate the costs (the chain
                   trigger, the fetch before the append, synchronous commit).
          catchup  [--events 1000000] [--streams 10000] [--batch-sizes 500,5000]
                   seeds events through Marten (one session per version), then times Marten's async daemon
                   replaying them all into one async projection, once per projection batch size.
          pdq      [--iterations 30] [--warmup 3] [--image FILE] [--video FILE]
                   PDQ per image from decoded pixels and end to end from a JPEG (ffmpeg included); one video at 1 fps.
                   Needs ffmpeg, not PostgreSQL. Defaults: the 1600x1004 bridge JPEG and a 4 s sample video from the tests.
          text-bank [--texts 100000] [--queries 1000]
                   memory and lookup time of banked text-minhash fingerprints in ReuploadDetection's matcher
                   (in memory; no database).
          bank-matcher [--entries 1000000] [--queries 20000] [--seed 1]
                   ReuploadDetection's BankMatcher filled with pdq entries as at start-up: memory per entry (and the
                   PDQ index's share), load time, Match() lookups/s and p50/p99 on 1 and 2 threads. No database.
          matcher  [bank size, 1000000] [--queries 20000] [--recall-sample 2000] [--brute-force-sample 200] [--slots 0]
                   [--adds 20000] [--seed 1]
                   the in-memory PDQ index on a clustered bank: build, memory, lookups/s on 1 and 2 threads, p50/p99,
                   recall against brute force, the brute-force floor, adds while serving. --slots 0 = chosen by
                   bank size; a list (e.g. 0,12,16) compares layouts. No database needed.

        PostgreSQL: TAKEDOWN_TEST_POSTGRES (an admin connection string with CREATEDB), default
        Host=localhost;Port=5432;Username=takedown;Password=takedown;Database=postgres
        """);
    return 2;
}
