using System.CommandLine;
using System.Globalization;
using Takedown.Triage;

namespace Takedown.Cli;

/// <summary>Trains and evaluates the triage model in process, from the labelled corpora beside the repository.</summary>
public sealed class ModelCommand : Command
{
    public const string DefaultData = "../shared/data/text";
    public const string DefaultModel = "shared/Takedown.Triage/Model/triage-model.json";
    public const string DefaultReport = "docs/classification.md";

    public ModelCommand(CliHost host)
        : base("model", "Train and evaluate the statistical triage model (reads the corpora; no services needed)")
    {
        Subcommands.Add(new ModelTrainCommand(host));
        Subcommands.Add(new ModelEvaluateCommand(host));
        Subcommands.Add(new ModelDevSetCommand(host));
    }

    /// <summary>Relative paths are taken from the repository root (the nearest folder up with global.json), so the commands run from anywhere inside it.</summary>
    public static string Resolve(string path)
    {
        if (Path.IsPathRooted(path))
            return path;
        var directory = new DirectoryInfo(Directory.GetCurrentDirectory());
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "global.json")))
            directory = directory.Parent;
        return Path.GetFullPath(Path.Combine(directory?.FullName ?? Directory.GetCurrentDirectory(), path));
    }

    public static List<LabelledText> LoadCorpora(string data)
    {
        try
        {
            return TrainingCorpora.Load(Resolve(data));
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            throw new UsageException($"cannot read the corpora in {Resolve(data)}: {e.Message}");
        }
    }
}

/// <summary>The options both subcommands share: where the data is and the training settings (defaults are the evaluated ones).</summary>
internal sealed class TrainingOptions
{
    private static readonly TrainerOptions Defaults = new();

    public Option<string> Data { get; } = new("--data")
    {
        Description = $"Folder with mlma/, mpold/ and davidson/ [default: {ModelCommand.DefaultData}, from the repository root]",
        HelpName = "dir",
        DefaultValueFactory = _ => ModelCommand.DefaultData,
    };

    public Option<string[]> Corpora { get; } = new("--corpora")
    {
        Description = $"Use only these corpora [default: all: {string.Join(", ", TrainingCorpora.All)}]",
        HelpName = "name",
        AllowMultipleArgumentsPerToken = true,
    };

    public Option<int> Seed { get; } = new("--seed") { Description = "Seed for the split and the SGD order", DefaultValueFactory = _ => Defaults.Seed };
    public Option<int> Epochs { get; } = new("--epochs") { Description = "Passes over the data", DefaultValueFactory = _ => Defaults.Epochs };
    public Option<double> LearningRate { get; } = new("--learning-rate") { Description = "AdaGrad step size", DefaultValueFactory = _ => Defaults.LearningRate };
    public Option<double> L2 { get; } = new("--l2") { Description = "L2 regularisation", DefaultValueFactory = _ => Defaults.L2 };
    public Option<double> Prune { get; } = new("--prune") { Description = "Zero weights smaller than this in magnitude", DefaultValueFactory = _ => Defaults.PruneBelow };
    public Option<double> ClassBalance { get; } = new("--class-balance") { Description = "0: natural class frequencies, 1: classes weighted equally within a corpus", DefaultValueFactory = _ => Defaults.ClassBalance };
    public Option<double> CorpusBalance { get; } = new("--corpus-balance") { Description = "0: corpora weighted by size, 1: equally", DefaultValueFactory = _ => Defaults.CorpusBalance };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Data, Corpora, Seed, Epochs, LearningRate, L2, Prune, ClassBalance, CorpusBalance })
            command.Options.Add(option);
    }

    public List<LabelledText> Load(ParseResult parseResult)
    {
        var data = ModelCommand.LoadCorpora(parseResult.GetValue(Data)!);
        var only = parseResult.GetValue(Corpora);
        if (only is not { Length: > 0 })
            return data;
        var unknown = only.Except(TrainingCorpora.All).ToList();
        if (unknown.Count > 0)
            throw new UsageException($"unknown corpus {string.Join(", ", unknown)}; known: {string.Join(", ", TrainingCorpora.All)}");
        return data.Where(d => only.Contains(d.Corpus)).ToList();
    }

    public TrainerOptions From(ParseResult parseResult) => new(
        parseResult.GetValue(Seed),
        parseResult.GetValue(Epochs),
        parseResult.GetValue(LearningRate),
        parseResult.GetValue(L2),
        parseResult.GetValue(Prune),
        parseResult.GetValue(ClassBalance),
        parseResult.GetValue(CorpusBalance));
}

public sealed class ModelTrainCommand : Command
{
    private readonly CliHost host;
    private readonly TrainingOptions training = new();

    private readonly Option<string> output = new("--out")
    {
        Description = $"Where to write the parameters [default: {ModelCommand.DefaultModel}, embedded at the next build]",
        HelpName = "file",
        DefaultValueFactory = _ => ModelCommand.DefaultModel,
    };

    private readonly Option<string?> overrides = new("--overrides")
    {
        Description = "Analysts' overrides as JSON lines {\"text\",\"category\"}, added to the training data",
        HelpName = "file",
    };

    public ModelTrainCommand(CliHost host)
        : base("train", "Train the model on all rows of all corpora (and overrides) and write its parameters")
    {
        this.host = host;
        training.AddTo(this);
        Options.Add(output);
        Options.Add(overrides);
        SetAction((parseResult, _) => host.RunAsync(() => Task.FromResult(Execute(parseResult))));
    }

    private int Execute(ParseResult parseResult)
    {
        var data = training.Load(parseResult);
        if (parseResult.GetValue(overrides) is { } overridesPath)
        {
            try
            {
                data.AddRange(TrainingCorpora.ReadOverrides(ModelCommand.Resolve(overridesPath), out var skipped));
                if (skipped > 0)
                    host.Error.WriteLine($"skipped {skipped} overrides to categories the model does not learn (threat, targeting, propaganda)");
            }
            catch (Exception e) when (e is IOException or InvalidDataException)
            {
                throw new UsageException($"cannot read --overrides: {e.Message}");
            }
        }

        var options = training.From(parseResult);
        var model = ModelTrainer.Train(data, options);
        var path = ModelCommand.Resolve(parseResult.GetValue(output)!);
        using (var file = File.Create(path))
            model.Write(file);

        foreach (var (corpus, count) in model.Training.TextsPerCorpus)
            host.Out.WriteLine($"{corpus}: {count} texts");
        host.Out.WriteLine($"{model.Version}: {model.NonZeroBuckets} non-zero buckets, {new FileInfo(path).Length / 1024} KiB -> {path}");
        return ExitCodes.Ok;
    }
}

public sealed class ModelEvaluateCommand : Command
{
    private readonly CliHost host;
    private readonly TrainingOptions training = new();

    private readonly Option<string> output = new("--out")
    {
        Description = $"Where to write the report [default: {ModelCommand.DefaultReport}]",
        HelpName = "file",
        DefaultValueFactory = _ => ModelCommand.DefaultReport,
    };

    public ModelEvaluateCommand(CliHost host)
        : base("evaluate", "Hold out 20% of each corpus, train on the rest, score model and baselines, write the report")
    {
        this.host = host;
        training.AddTo(this);
        Options.Add(output);
        SetAction((parseResult, _) => host.RunAsync(() => Task.FromResult(Execute(parseResult))));
    }

    private int Execute(ParseResult parseResult)
    {
        var data = training.Load(parseResult);
        var options = training.From(parseResult);
        var result = ModelEvaluation.Run(data, options);

        var committed = ModelCommand.Resolve(ModelCommand.DefaultModel);
        var committedVersion = File.Exists(committed) ? ReadVersion(committed) : "(not trained yet: run `takedown model train`)";
        var settings = options == new TrainerOptions() ? "" : " " + Settings(options);
        var commands = new Dictionary<string, string>
        {
            ["held-out evaluation; writes this file"] = $"dotnet run --project services/Cli -- model evaluate{settings}",
            ["train the committed model on all data"] = $"dotnet run --project services/Cli -- model train{settings}",
            ["the development set alone, no corpora needed; rewrites its section"] = DevSetReport.Command,
        };
        var report = EvaluationReport.Render(result, options, commands, committedVersion);
        var path = ModelCommand.Resolve(parseResult.GetValue(output)!);
        File.WriteAllText(path, report);

        foreach (var s in result.Scores)
            host.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{s.Corpus,-9} {s.Classifier,-15} macro-F1 {s.Classes.MacroF1:0.000}"));
        host.Out.WriteLine(EvaluationReport.TargetsSummary(result));
        host.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{result.TextsPerSecond:0} texts/s, p99 {result.P99Milliseconds:0.000} ms -> {path}"));
        return ExitCodes.Ok;
    }

    private static string ReadVersion(string path)
    {
        using var file = File.OpenRead(path);
        return TriageModel.Read(file).Version;
    }

    private static string Settings(TrainerOptions o) => string.Create(CultureInfo.InvariantCulture,
        $"--seed {o.Seed} --epochs {o.Epochs} --learning-rate {o.LearningRate} --l2 {o.L2} --prune {o.PruneBelow} --class-balance {o.ClassBalance} --corpus-balance {o.CorpusBalance}");
}

/// <summary>
/// Scores the committed classifier on the project's development set and rewrites that section of the report. Needs
/// only the repository (the set is embedded), so it runs where the corpora are absent.
/// </summary>
public sealed class ModelDevSetCommand : Command
{
    private readonly CliHost host;

    private readonly Option<string> output = new("--out")
    {
        Description = $"The report whose development-set section is rewritten [default: {ModelCommand.DefaultReport}]",
        HelpName = "file",
        DefaultValueFactory = _ => ModelCommand.DefaultReport,
    };

    private readonly Option<bool> showMisses = new("--show-misses")
    {
        Description = "List the misses of the tune part (never the fixed part's: it must not steer the rules)",
    };

    public ModelDevSetCommand(CliHost host)
        : base("dev-set", "Score the classifier on the project's development set (tune and fixed parts) and update that section of the report")
    {
        this.host = host;
        Options.Add(output);
        Options.Add(showMisses);
        SetAction((parseResult, _) => host.RunAsync(() => Task.FromResult(Execute(parseResult))));
    }

    private int Execute(ParseResult parseResult)
    {
        var result = DevSetEvaluation.Run();
        var path = ModelCommand.Resolve(parseResult.GetValue(output)!);
        var document = File.Exists(path) ? File.ReadAllText(path) : "";
        File.WriteAllText(path, DevSetReport.ReplaceSection(document, DevSetReport.Render(result)));

        if (parseResult.GetValue(showMisses))
        {
            foreach (var miss in result.Outcomes.Where(o => o.Text.Split == DevSet.Tune && (!o.Correct || o.ThreatBelowP0)))
            {
                host.Out.WriteLine($"{miss.Text.Id} expected {miss.Text.Category} got {miss.Result.Category} {miss.Result.Severity} {miss.Result.Confidence.ToString("0.00", CultureInfo.InvariantCulture)}: {miss.Text.Text}");
                host.Out.WriteLine($"    {string.Join(" | ", miss.Result.Explanation)}");
            }
        }
        foreach (var split in DevSetResult.Splits)
        {
            var matrix = result.Matrix(split);
            var figures = Takedown.Contracts.ContentCategories.All.Where(c => matrix.Support(c) > 0)
                .Select(c => string.Create(CultureInfo.InvariantCulture, $"{c} {matrix.Precision(c):0.00}/{matrix.Recall(c):0.00}"));
            host.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{split}: weakest {result.Weakest(split):0.000} (bar {DevSetEvaluation.Bar:0.00}); {string.Join(", ", figures)}"));
        }
        host.Out.WriteLine($"hard negatives flagged: {result.FlaggedNegatives.Count}; threats not at P0: {result.ThreatsBelowP0.Count} -> {path}");
        return ExitCodes.Ok;
    }
}
