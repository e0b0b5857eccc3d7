/** Stack config: keys, parsing and checks (pure), and the reader the program uses. */
export * from "./fields";
export * from "./load";
export * from "./read";
