package dev.etlkit.examples;

import dev.etlkit.scd.Scd2PostgresTable;

/**
 * The customers' SCD2 history table in PostgreSQL, one row per version: its columns and how each is
 * read from a {@link Customer}. Apart from {@link PostgresIo}, which writes it with Flink's JDBC
 * sink, because the customers pipeline's {@code writable} step carries this table's column readers
 * into the job graph: they are lambdas of the class that declares them, which the task loads to
 * read them back, and a class that uses the JDBC connector would need the connector on the
 * classpath of every job running the pipeline, also one that writes no history (the sample run, the
 * reference job of the benchmarks).
 */
public final class CustomerHistoryTable {

  /** The table's name. */
  public static final String DIMENSION = "customer_dimension";

  /** The history table of {@value #DIMENSION}: one row per version of a customer. */
  // tag::scd2-postgres-table[]
  public static final Scd2PostgresTable<Customer> DIMENSION_TABLE =
      Scd2PostgresTable.<Customer>named(DIMENSION, "customer_id")
          .withColumn("name", "text", Customer::name)
          .withColumn("tier", "text", Customer::tier)
          .withColumn("city", "text", Customer::city);

  // end::scd2-postgres-table[]

  private CustomerHistoryTable() {}
}
