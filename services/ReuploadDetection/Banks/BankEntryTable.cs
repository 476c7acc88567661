using System.Globalization;

namespace Takedown.ReuploadDetection.Banks;

/// <summary>
/// The rows behind <see cref="BankMatcher"/>: 56 bytes per banked hash, so ten million fit next to the PDQ index.
/// A row is an entry (bank, signal, value, content, label, source, version) or a removal mark (the latest
/// HashRemoved version of a bank, signal and value). Rows are numbered densely; the number is the entry's id in the
/// PDQ and text indexes, and a freed number is reused. Bank, signal, label and source strings are held once and
/// rows refer to them by number; a lower-case hex value of 64 or 32 digits (PDQ, vPDQ, SHA-256, MD5) is kept as its
/// bits, any other (a URL, a text fingerprint) as its string. Rows with the same signal and value are found through one chained hash table.
/// Not thread-safe; <see cref="BankMatcher"/> calls it under its lock.
/// </summary>
internal sealed class BankEntryTable
{
    private const int PageBits = 16;   // 65,536 rows of 56 bytes: 3.5 MiB a page, allocated as needed, never copied
    private const int PageSize = 1 << PageBits;
    private const int MaxLoad = 2;     // rows per bucket before the buckets double: 2-4 bytes of buckets per row

    private Row[][] _pages = [];
    private int _allocated;
    private int _free = -1;
    private int[] _buckets = NewBuckets(1024);
    private int _rows;

    private readonly Names _banks = new();
    private readonly Names _signals = new();
    private readonly Names _strings = new();
    private readonly List<(int Label, int Source)> _tags = [];
    private readonly Dictionary<(int Label, int Source), int> _tagIds = [];
    // Content ids are not interned: a content's hashes arrive together, so a row takes the last number handed out
    // when it has the same content and appends one otherwise (16 bytes, never freed; removals are rare).
    private readonly List<Guid> _contents = [];
    private readonly Dictionary<int, string> _otherValues = [];

    /// <summary>Strings held once each, numbered in order of arrival.</summary>
    private sealed class Names
    {
        private readonly List<string> _names = [];
        private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);

        public string this[int id] => _names[id];

        public int Find(string name) => _ids.TryGetValue(name, out var id) ? id : -1;

        public int Intern(string name, int max)
        {
            if (_ids.TryGetValue(name, out var id))
                return id;
            if (_names.Count == max)
                throw new InvalidOperationException($"More than {max} distinct names; the bank entry table numbers at most that many.");
            _names.Add(name);
            return _ids[name] = _names.Count - 1;
        }
    }

    /// <summary>The value of a row: the bits of lower-case hex, or else the string itself.</summary>
    public readonly struct Value
    {
        private readonly ulong _w0, _w1, _w2, _w3;
        private readonly string? _other;
        private readonly byte _form;

        private Value(byte form, ulong w0, ulong w1, ulong w2, ulong w3, string? other) =>
            (_form, _w0, _w1, _w2, _w3, _other) = (form, w0, w1, w2, w3, other);

        public static Value Of(string value)
        {
            var form = value.Length switch { 64 => Form.Hex64, 32 => Form.Hex32, _ => Form.Other };
            if (form != Form.Other && !IsLowerHex(value))
                form = Form.Other;
            return form switch
            {
                Form.Hex64 => new Value(form, Word(value, 0), Word(value, 1), Word(value, 2), Word(value, 3), null),
                Form.Hex32 => new Value(form, Word(value, 0), Word(value, 1), 0, 0, null),
                _ => new Value(form, 0, 0, 0, 0, value),
            };
        }

        internal int HashWith(int signal) => _form == Form.Other
            ? HashCode.Combine(signal, _form, _other!.GetHashCode(StringComparison.Ordinal))
            : HashCode.Combine(signal, _form, _w0, _w1, _w2, _w3);

        internal bool Matches(in Row row, BankEntryTable table, int id) =>
            row.Form == _form && (_form == Form.Other
                ? string.Equals(table._otherValues[id], _other, StringComparison.Ordinal)
                : row.W0 == _w0 && row.W1 == _w1 && row.W2 == _w2 && row.W3 == _w3);

        internal byte Store(ref Row row, BankEntryTable table, int id)
        {
            (row.W0, row.W1, row.W2, row.W3) = (_w0, _w1, _w2, _w3);
            if (_form == Form.Other)
                table._otherValues[id] = _other!;
            return _form;
        }

        private static ulong Word(string hex, int i) =>
            ulong.Parse(hex.AsSpan(16 * i, 16), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);

        private static bool IsLowerHex(string value)
        {
            foreach (var c in value)
            {
                if (c is not (>= '0' and <= '9' or >= 'a' and <= 'f'))
                    return false;
            }
            return true;
        }
    }

    private static class Form
    {
        public const byte Free = 0, Hex64 = 1, Hex32 = 2, Other = 3;
    }

    /// <summary>One row: 56 bytes.</summary>
    internal struct Row
    {
        public ulong W0, W1, W2, W3;
        public long Version;
        public int Next;        // the next row in the same bucket, or in the free list
        public int Content;     // 1 + an index in _contents; 0 for none
        public int Tags;        // the (label, source) pair's index in _tags
        public uint Key;        // bank (20 bits), signal (9), removal mark (1), value form (2)

        public readonly int Bank => (int)(Key >> 12);
        public readonly int Signal => (int)((Key >> 3) & (MaxSignals - 1));
        public readonly bool IsRemoval => (Key & 4) != 0;
        public readonly byte Form => (byte)(Key & 3);

        public void SetKey(int bank, int signal, bool removal, byte form) =>
            Key = (uint)bank << 12 | (uint)signal << 3 | (removal ? 4u : 0) | form;
    }

    private const int MaxBanks = 1 << 20, MaxSignals = 1 << 9;

    /// <summary>Live entries, not counting removal marks.</summary>
    public int Count { get; private set; }

    public ref Row this[int id] => ref _pages[id >> PageBits][id & (PageSize - 1)];

    public int Bank(string name) => _banks.Intern(name, MaxBanks);

    public int Signal(string name) => _signals.Intern(name, MaxSignals);

    /// <summary>The signal's number, or -1 if no row ever had it (then nothing can match it).</summary>
    public int FindSignal(string name) => _signals.Find(name);

    public string BankName(in Row row) => _banks[row.Bank];

    public string BankName(int bank) => _banks[bank];

    public string SignalName(in Row row) => _signals[row.Signal];

    public string Label(in Row row) => _strings[_tags[row.Tags].Label];

    public string Source(in Row row) => _strings[_tags[row.Tags].Source];

    public int LabelNumber(in Row row) => _tags[row.Tags].Label;

    public string LabelName(int label) => _strings[label];

    /// <summary>The (label, source) pair's number; imported lists repeat a few pairs a million times.</summary>
    public int Tags(string label, string source)
    {
        var pair = (_strings.Intern(label, int.MaxValue), _strings.Intern(source, int.MaxValue));
        if (_tagIds.TryGetValue(pair, out var id))
            return id;
        _tags.Add(pair);
        return _tagIds[pair] = _tags.Count - 1;
    }

    public Guid? Content(in Row row) => row.Content == 0 ? null : _contents[row.Content - 1];

    public string ValueOf(int id)
    {
        ref var row = ref this[id];
        return row.Form switch
        {
            Form.Hex64 => string.Create(64, (row.W0, row.W1, row.W2, row.W3), static (chars, w) =>
            {
                Hex(chars[..16], w.Item1);
                Hex(chars[16..32], w.Item2);
                Hex(chars[32..48], w.Item3);
                Hex(chars[48..], w.Item4);
            }),
            Form.Hex32 => string.Create(32, (row.W0, row.W1), static (chars, w) =>
            {
                Hex(chars[..16], w.Item1);
                Hex(chars[16..], w.Item2);
            }),
            _ => _otherValues[id],
        };

        static void Hex(Span<char> chars, ulong word) => word.TryFormat(chars, out _, "x16", CultureInfo.InvariantCulture);
    }

    /// <summary>Rows with this signal and value (entries and removal marks, of every bank), in no particular order.</summary>
    public RowsWithKey WithKey(int signal, in Value value) => new(this, signal, value);

    public ref struct RowsWithKey(BankEntryTable table, int signal, Value value)
    {
        private int _next = signal < 0 ? -1 : table._buckets[Bucket(value.HashWith(signal), table._buckets.Length)];

        public int Current { get; private set; }

        public readonly RowsWithKey GetEnumerator() => this;

        public bool MoveNext()
        {
            while (_next >= 0)
            {
                var id = _next;
                ref var row = ref table[id];
                _next = row.Next;
                if (row.Signal == signal && value.Matches(row, table, id))
                {
                    Current = id;
                    return true;
                }
            }
            return false;
        }
    }

    /// <summary>A new entry (or, with <paramref name="removal"/>, a removal mark, which has no content, label or source).</summary>
    public int Insert(int bank, int signal, in Value value, Guid? content, string label, string source, long version, bool removal)
    {
        if (_rows + 1 > MaxLoad * _buckets.Length)
            Rehash(2 * _buckets.Length);
        _rows++;
        var id = _free >= 0 ? _free : Allocate();
        ref var row = ref this[id];
        if (id == _free)
            _free = row.Next;
        row = default;
        row.SetKey(bank, signal, removal, value.Store(ref row, this, id));
        row.Version = version;
        if (!removal)
        {
            row.Content = content is { } c ? ContentNumber(c) : 0;
            row.Tags = Tags(label, source);
            Count++;
        }
        var bucket = Bucket(value.HashWith(signal), _buckets.Length);
        row.Next = _buckets[bucket];
        _buckets[bucket] = id;
        return id;
    }

    /// <summary>Takes the row out; its number is handed out again by a later <see cref="Insert"/>.</summary>
    public void Delete(int id)
    {
        ref var row = ref this[id];
        var bucket = Bucket(HashOf(id), _buckets.Length);
        if (_buckets[bucket] == id)
            _buckets[bucket] = row.Next;
        else
        {
            var previous = _buckets[bucket];
            while (this[previous].Next != id)
                previous = this[previous].Next;
            this[previous].Next = row.Next;
        }
        if (!row.IsRemoval)
            Count--;
        if (row.Form == Form.Other)
            _otherValues.Remove(id);
        row = default;
        row.Next = _free;
        _free = id;
        _rows--;
    }

    private int Allocate()
    {
        var id = _allocated++;
        if ((id & (PageSize - 1)) == 0)
        {
            var page = id >> PageBits;
            if (page == _pages.Length)
                Array.Resize(ref _pages, Math.Max(4, 2 * _pages.Length));
            _pages[page] = new Row[PageSize];
        }
        return id;
    }

    private int ContentNumber(Guid content)
    {
        if (_contents.Count == 0 || _contents[^1] != content)
            _contents.Add(content);
        return _contents.Count;
    }

    private int HashOf(int id)
    {
        ref var row = ref this[id];
        return row.Form == Form.Other
            ? HashCode.Combine(row.Signal, row.Form, _otherValues[id].GetHashCode(StringComparison.Ordinal))
            : HashCode.Combine(row.Signal, row.Form, row.W0, row.W1, row.W2, row.W3);
    }

    private void Rehash(int buckets)
    {
        _buckets = NewBuckets(buckets);
        for (var id = 0; id < _allocated; id++)
        {
            ref var row = ref this[id];
            if (row.Form == Form.Free)
                continue;
            var bucket = Bucket(HashOf(id), buckets);
            row.Next = _buckets[bucket];
            _buckets[bucket] = id;
        }
    }

    private static int Bucket(int hash, int buckets) => (int)((uint)hash & (uint)(buckets - 1));

    private static int[] NewBuckets(int count)
    {
        var buckets = new int[count];
        Array.Fill(buckets, -1);
        return buckets;
    }
}
