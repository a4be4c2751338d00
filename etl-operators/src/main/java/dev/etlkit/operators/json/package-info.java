/**
 * JSON to typed records and back: {@link dev.etlkit.operators.json.Json#parse} and {@link
 * dev.etlkit.operators.json.Json#write}. Bad documents become dead letters with a {@link
 * dev.etlkit.operators.json.JsonRecordException} reason and never a payload in the message.
 */
package dev.etlkit.operators.json;
