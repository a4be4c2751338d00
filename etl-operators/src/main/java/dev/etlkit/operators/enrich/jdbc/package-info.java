/**
 * The JDBC lookup: one row per key from a relational database, with prepared statements only,
 * batched key queries, a HikariCP pool and a bounded executor of its own. Start with {@link
 * dev.etlkit.operators.enrich.jdbc.JdbcLookup}.
 */
package dev.etlkit.operators.enrich.jdbc;
