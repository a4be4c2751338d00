package dev.etlkit.benchmarks.format;

/**
 * One document in one format to the same document in the other, as one impl of {@link
 * FormatConversionBenchmark} does it. Not thread-safe: a converter may reuse buffers internally.
 */
interface Converter {

  /**
   * Converts one document.
   *
   * @return the converted document in a new array of exactly its length, as a step emits it
   * @throws Exception when the document is malformed (never in the benchmark)
   */
  byte[] convert(byte[] document) throws Exception;
}
