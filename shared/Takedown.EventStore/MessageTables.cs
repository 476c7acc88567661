using Marten;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace Takedown.EventStore;

/// <summary>
/// The outbox and inbox beside Marten's tables, in the service's schema. Rows are written in the same unit of work as
/// the events (<see cref="EventSession"/> queues them into Marten's SaveChanges), and Marten's schema management
/// creates and keeps the tables.
/// </summary>
internal static class MessageTables
{
    public static void Register(StoreOptions options, string schema)
    {
        var outbox = new Table(new PostgresqlObjectName(schema, "outbox", SchemaUtils.IdentifierUsage.General));
        // Insert order is relay order.
        outbox.AddColumn<long>("id").BigAutoIncrement().AsPrimaryKey();
        outbox.AddColumn<Guid>("message_id").NotNull().AddIndex(i => i.IsUnique = true);
        outbox.AddColumn<string>("message_type").NotNull();
        outbox.AddColumn("body", "jsonb").NotNull();
        outbox.AddColumn<Guid>("correlation_id").NotNull();
        outbox.AddColumn<Guid>("causation_id").NotNull();
        outbox.AddColumn<string>("trace_parent");
        outbox.AddColumn("created_at", "timestamptz").NotNull();
        outbox.AddColumn("sent_at", "timestamptz");
        outbox.AddColumn<int>("attempts").NotNull().DefaultValueByExpression("0");
        outbox.AddColumn<string>("last_error");
        outbox.AddColumn("claimed_until", "timestamptz");
        outbox.AddColumn("failed_at", "timestamptz");
        outbox.Indexes.Add(new IndexDefinition("outbox_unsent") { Columns = ["id"], Predicate = "sent_at IS NULL AND failed_at IS NULL" });
        // Pruning finds sent rows by age.
        outbox.Indexes.Add(new IndexDefinition("outbox_sent") { Columns = ["sent_at"], Predicate = "sent_at IS NOT NULL" });
        options.Storage.ExtendedSchemaObjects.Add(outbox);

        var inbox = new Table(new PostgresqlObjectName(schema, "inbox", SchemaUtils.IdentifierUsage.General));
        inbox.AddColumn<string>("consumer").AsPrimaryKey();
        inbox.AddColumn<Guid>("message_id").AsPrimaryKey();
        inbox.AddColumn("processed_at", "timestamptz").NotNull();
        inbox.Indexes.Add(new IndexDefinition("inbox_processed_at") { Columns = ["processed_at"] }); // pruning finds rows by age
        options.Storage.ExtendedSchemaObjects.Add(inbox);
    }
}
