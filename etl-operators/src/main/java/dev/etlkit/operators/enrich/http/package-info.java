/**
 * The HTTP/JSON lookup: one {@code GET} per key (or a batch {@code POST}) with the JDK's
 * asynchronous HTTP client, the body read with Jackson, failures classified by status. Start with
 * {@link dev.etlkit.operators.enrich.http.HttpLookup}.
 */
package dev.etlkit.operators.enrich.http;
