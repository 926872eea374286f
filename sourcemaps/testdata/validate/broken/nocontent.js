function greet(name){return"hi "+name}
//# sourceMappingURL=nocontent.js.map
