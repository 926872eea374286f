function greet(name){return"hi "+name}
//# sourceMappingURL=gone.js.map
